"""Material deliveries and ``market.materials-owner`` (a rule): a question on a delivery is a
request of kind ``materials_inquiry`` assigned to the person who delivered the materials, or,
when that person has left, to their team's manager, with a note saying so."""

import pytest

from commitments.models import Team
from requests_desk.models import Activity
from tests.requests_desk.api_support import client_for, customer, member_of
from tests.seoul import at

pytestmark = pytest.mark.django_db

DELIVERIES = "/api/v1/deliveries/"


@pytest.fixture
def market(people):
    deliverer = member_of("market-it-infra", "market.deliverer")
    return client_for(people["market"]), deliverer


def create(api, deliverer, **changes) -> dict:
    with at(2027, 3, 2, 10):
        response = api.post(
            DELIVERIES,
            {
                "division": "market",
                "customer": customer(),
                "material": "2027년 시장 데이터 명세서",
                "delivered_by": deliverer.pk,
                "delivered_on": "2027-03-02",
                **changes,
            },
            format="json",
        )
    assert response.status_code == 201, response.content
    return response.json()


def ask(api, body):
    with at(2027, 3, 5, 10):
        return api.post(
            f"{DELIVERIES}{body['id']}/inquiry/",
            {"subject": "명세서 3장 문의", "body": "필드 길이가 다릅니다."},
            format="json",
        )


def test_a_question_on_a_delivery_goes_to_its_deliverer(market):
    api, deliverer = market
    body = create(api, deliverer)
    assert body["deadlines"] == []  # a rule: no clock
    asked = ask(api, body)
    assert asked.status_code == 200, asked.content
    (request_id,) = asked.json()["inquiries"]
    request = api.get(f"/api/v1/requests/{request_id}/").json()
    assert (request["kind"], request["assignee"]) == ("materials_inquiry", deliverer.pk)


def test_when_the_deliverer_has_left_the_team_manager_answers_with_a_note(market):
    api, deliverer = market
    body = create(api, deliverer)
    deliverer.is_active = False
    deliverer.save()
    asked = ask(api, body)
    assert asked.status_code == 200, asked.content
    (request_id,) = asked.json()["inquiries"]
    manager = Team.objects.get(code="market-it-infra").manager
    request = api.get(f"/api/v1/requests/{request_id}/").json()
    assert request["assignee"] == manager.pk
    note = Activity.objects.get(request_id=request_id, kind="note", event="")
    assert deliverer.username in note.text
    assert manager.username in note.text


def test_bad_input_is_refused_with_field_errors(market, people):
    api, deliverer = market
    with at(2027, 3, 2, 10):
        future = api.post(
            DELIVERIES,
            {
                "division": "market",
                "customer": customer(),
                "material": "x",
                "delivered_by": deliverer.pk,
                "delivered_on": "2027-03-03",
            },
            format="json",
        )
        outsider = api.post(
            DELIVERIES,
            {
                "division": "market",
                "customer": customer(),
                "material": "x",
                "delivered_by": people["staff"].pk,
                "delivered_on": "2027-03-02",
            },
            format="json",
        )
    assert future.status_code == 400
    assert "delivered_on" in future.json()
    assert outsider.status_code == 400
    assert "delivered_by" in outsider.json()
    body = create(api, deliverer)
    with at(2027, 3, 5, 10):
        empty = api.post(f"{DELIVERIES}{body['id']}/inquiry/", {"subject": ""}, format="json")
    assert empty.status_code == 400
    assert "subject" in empty.json()
    assert client_for(people["staff"]).get(f"{DELIVERIES}{body['id']}/").status_code == 404


def test_seed_demo_makes_each_record_once_with_its_clocks(charter):
    from django.core.management import call_command

    from commitments.models import Deadline

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    subjects = set(Deadline.objects.values_list("subject_type", flat=True))
    assert {"certificate", "handover", "test-window", "training"} <= subjects
    from requests_desk.models import Certificate, Delivery

    assert Certificate.objects.filter(serial="DEMO-0001").count() == 1
    assert Delivery.objects.count() == 1
