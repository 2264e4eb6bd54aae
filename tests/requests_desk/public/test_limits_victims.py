"""Limits that cannot be turned against a customer: the per-e-mail limit counts only input that
passed validation, a flood naming an address locks out only the network it comes from, and a
customer who is refused is told how to reach us anyway."""

import pytest
from django.test import Client

from commitments.models import Contact, Service
from requests_desk.models import Request
from tests.requests_desk.public.support import (
    API_COMPLAINTS,
    COMPLAINT,
    api_complaint,
    complaint_data,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

VICTIM = "victim@example.com"


def invalid(**changes) -> dict:
    return complaint_data(email=VICTIM, subject="", **changes)  # no subject: refused by the form


def test_twenty_invalid_submissions_naming_a_victim_from_twenty_addresses_do_not_lock_them_out():
    for n in range(20):
        attacker = Client(REMOTE_ADDR=f"198.51.{n}.7")
        assert attacker.post(COMPLAINT, invalid()).status_code == 400

    response = Client(REMOTE_ADDR="203.0.113.9").post(COMPLAINT, complaint_data(email=VICTIM))

    assert response.status_code == 302
    assert Request.objects.filter(customer__email=VICTIM).count() == 1


def test_the_same_through_the_api():
    for n in range(20):
        attacker = Client(REMOTE_ADDR=f"198.51.{n}.7")
        response = attacker.post(
            API_COMPLAINTS, api_complaint(email=VICTIM, subject=""), content_type="application/json"
        )
        assert response.status_code == 400

    response = Client(REMOTE_ADDR="203.0.113.9").post(
        API_COMPLAINTS, api_complaint(email=VICTIM), content_type="application/json"
    )

    assert response.status_code == 201, response.content


def test_a_flood_naming_an_address_from_one_network_locks_out_only_that_network(settings):
    settings.CHARTER_PUBLIC_PER_EMAIL_HOUR = 3
    for n in range(3):
        assert Client(REMOTE_ADDR=f"198.51.100.{n}").post(COMPLAINT, invalid()).status_code == 400

    same_network = Client(REMOTE_ADDR="198.51.100.200").post(
        COMPLAINT, complaint_data(email=VICTIM)
    )
    elsewhere = Client(REMOTE_ADDR="203.0.113.9").post(COMPLAINT, complaint_data(email=VICTIM))

    assert same_network.status_code == 429
    assert elsewhere.status_code == 302
    assert Request.objects.filter(customer__email=VICTIM).count() == 1


def test_valid_submissions_still_count_per_e_mail_from_anywhere(settings):
    settings.CHARTER_PUBLIC_PER_EMAIL_HOUR = 2
    for n in range(2):
        ok = Client(REMOTE_ADDR=f"198.51.{n}.1").post(COMPLAINT, complaint_data(email=VICTIM))
        assert ok.status_code == 302

    refused = Client(REMOTE_ADDR="203.0.113.9").post(COMPLAINT, complaint_data(email=VICTIM))

    assert refused.status_code == 429
    assert Request.objects.filter(customer__email=VICTIM).count() == 2


def test_the_429_page_gives_the_phone_number_and_the_emergency_contacts(client, settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 1
    client.post(COMPLAINT, complaint_data(email="first@example.com"))

    refused = client.post("/en" + COMPLAINT, complaint_data(email="second@example.com"))

    assert refused.status_code == 429
    page = text(refused)
    # The public division's first service (by code) that has a representative number.
    public = Service.objects.filter(division__code=settings.CHARTER_PUBLIC_DIVISION)
    phone = public.exclude(representative_phone="").order_by("code").first().representative_phone
    assert f"or call us on {phone}." in page
    assert f'id="reach-phone">{phone}<' in page
    on_call = Contact.objects.filter(on_call=True).first()
    assert 'id="reach-on-call"' in page
    assert on_call.name in page
    assert (on_call.mobile or on_call.phone) in page


def test_a_configured_phone_number_is_the_one_given(client, settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 1
    settings.CHARTER_PUBLIC_PHONE = "1588-0000"
    client.post(COMPLAINT, complaint_data(email="first@example.com"))

    page = text(client.post("/en" + COMPLAINT, complaint_data(email="second@example.com")))

    assert 'id="reach-phone">1588-0000<' in page


def test_the_api_429_says_the_same_in_words(settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 1
    settings.CHARTER_PUBLIC_PHONE = "1588-0000"
    client = Client(REMOTE_ADDR="192.0.2.44")
    client.post(
        API_COMPLAINTS, api_complaint(email="a@example.com"), content_type="application/json"
    )

    refused = client.post(
        API_COMPLAINTS,
        api_complaint(email="b@example.com"),
        content_type="application/json",
    )

    assert refused.status_code == 429
    body = refused.json()
    on_call = Contact.objects.filter(on_call=True).first()
    assert body["phone"] == "1588-0000"
    # In words, in the default language (Korean).
    assert "1588-0000 번으로 전화해 주십시오" in body["detail"]
    assert "야간·주말·휴일에는 당직자에게 연락해 주십시오" in body["detail"]
    assert on_call.name in body["detail"]
    assert {c["name"] for c in body["emergency_contacts"]} >= {on_call.name}
