"""The desk's admin: customers and clock rules edited, requests read, bad input as field errors."""

import pytest
from django.urls import reverse

from commitments.models import Commitment, Division, Service
from requests_desk.models import ClockRule
from tests.factories import UserFactory
from tests.requests_desk.desk_support import member_of, new_request
from tests.seoul import at

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True))
    return client


def test_every_desk_page_answers(admin_client):
    with at(2026, 9, 23, 15, 0):
        request = new_request(member_of("net-support"))
    for name in ["organisation", "customercontact", "request", "phonecall", "visit", "clockrule"]:
        assert (
            admin_client.get(reverse(f"admin:requests_desk_{name}_changelist")).status_code == 200
        )
    page = admin_client.get(reverse("admin:requests_desk_request_change", args=[request.pk]))
    assert page.status_code == 200
    assert b"common.feasibility" in page.content
    rule = ClockRule.objects.first()
    history = admin_client.get(reverse("admin:requests_desk_clockrule_history", args=[rule.pk]))
    assert history.status_code == 200


def test_requests_cannot_be_added_or_edited_here(admin_client):
    assert admin_client.get(reverse("admin:requests_desk_request_add")).status_code == 403


def test_a_rule_for_a_service_of_another_division_is_a_field_error(admin_client):
    response = admin_client.post(
        reverse("admin:requests_desk_clockrule_add"),
        {
            "commitment": Commitment.objects.get(code="common.feasibility").pk,
            "request_kind": "modification",
            "division": Division.objects.get(code="market").pk,
            "service": Service.objects.get(code="bcp").pk,
            "channel": "",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert "service" in response.context["adminform"].form.errors


def test_a_duplicate_rule_is_a_form_error(admin_client):
    response = admin_client.post(
        reverse("admin:requests_desk_clockrule_add"),
        {
            "commitment": Commitment.objects.get(code="common.training-plan").pk,
            "request_kind": "training",
            "division": "",
            "service": "",
            "channel": "",
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert ClockRule.objects.filter(commitment__code="common.training-plan").count() == 1
