"""``/api/v1/contacts/``: the directory's contact tables, readable by all staff."""

from datetime import date

import pytest

from commitments.models import Contact, Service
from tests.factories import UserFactory
from tests.requests_desk.api_support import CONTACTS, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(people):
    # Staff of the Market HO read every division's contacts: the directory is not a case.
    return client_for(people["market"])


def test_it_lists_the_seeded_contacts_with_their_service(api):
    body = api.get(CONTACTS, {"page_size": 500}).json()

    assert body["count"] == Contact.objects.count() > 0
    row = body["results"][0]
    assert set(row) >= {
        "id",
        "service",
        "division",
        "name",
        "role",
        "phone",
        "email",
        "on_call",
        "effective_from",
        "effective_until",
    }
    assert all(r["email"].endswith("example.com") for r in body["results"])


def test_it_filters_by_service_and_on_call(api):
    network = api.get(CONTACTS, {"service": "net-internet"}).json()["results"]
    on_call = api.get(CONTACTS, {"on_call": "true"}).json()["results"]

    assert network
    assert {row["service"] for row in network} == {"net-internet"}
    assert on_call
    assert all(row["on_call"] for row in on_call)


def test_it_filters_by_the_date_a_row_is_in_force(api):
    service = Service.objects.get(code="net-internet")
    Contact.objects.create(
        service=service,
        name="Future Person",
        phone="02-0000-0001",
        email="future@example.com",
        effective_from=date(2027, 1, 1),
    )

    now = {r["name"] for r in api.get(CONTACTS, {"effective_on": "2026-09-23"}).json()["results"]}
    later = {
        r["name"]
        for r in api.get(CONTACTS, {"effective_on": "2027-02-01", "page_size": 500}).json()[
            "results"
        ]
    }

    assert "Future Person" not in now
    assert "Future Person" in later
    assert api.get(CONTACTS, {"effective_on": "someday"}).status_code == 400


def test_a_user_outside_the_desk_cannot_read_the_directory(people):
    outsider = UserFactory(username="outsider", is_staff=False)

    assert client_for(outsider).get(CONTACTS).status_code == 403


def test_contacts_are_read_only(api):
    contact = Contact.objects.first()

    assert api.post(CONTACTS, {"name": "x"}, format="json").status_code == 405
    assert api.delete(f"{CONTACTS}{contact.pk}/").status_code == 405


def test_the_contact_list_runs_a_constant_number_of_queries(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        api.get(CONTACTS, {"page_size": 500})
