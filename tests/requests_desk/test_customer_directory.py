"""The customer directory by division: staff see a customer who has a case in one of their
divisions or belongs to an organisation one of their divisions serves; every other look-up
(search, the entry form's prefill, ``customer_id`` in the API) answers as if the customer did
not exist. Staff reading a customer's personal data is recorded for admins."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from commitments.models import Division
from requests_desk.models import CustomerDataRead
from tests.factories import (
    CustomerContactFactory,
    OrganisationFactory,
    RequestFactory,
    UserFactory,
)
from tests.requests_desk.api_support import REQUESTS, client_for, request_payload

pytestmark = pytest.mark.django_db

SEARCH = "/desk/customers/search/"


@pytest.fixture
def directory(people):
    """``ours`` has a case in Infrastructure, ``served`` belongs to an organisation Infrastructure
    serves, ``theirs`` has a case only in the Market division."""
    infrastructure = Division.objects.get(code="infrastructure")
    market = Division.objects.exclude(pk=infrastructure.pk).get(teams__code="market-it-infra")
    ours = CustomerContactFactory(
        name="Dircust Ours", email="ours@dir.example", phone="02-111-1111"
    )
    RequestFactory(division=infrastructure, customer=ours)
    served_org = OrganisationFactory(name="Dircust Served Org")
    served_org.divisions.add(infrastructure)
    served = CustomerContactFactory(
        organisation=served_org, name="Dircust Served", email="served@dir.example"
    )
    theirs = CustomerContactFactory(
        name="Dircust Theirs", email="theirs@dir.example", phone="02-999-9999"
    )
    RequestFactory(division=market, customer=theirs)
    return {"ours": ours, "served": served, "theirs": theirs}


def found(client, q: str) -> set[str]:
    response = client.get(SEARCH, {"q": q})
    assert response.status_code == 200
    return {row["name"] for row in response.json()["results"]}


def test_search_finds_the_customers_of_ones_divisions_only(client, people, directory):
    client.force_login(people["staff"])

    assert found(client, "Dircust") == {"Dircust Ours", "Dircust Served"}
    assert found(client, "theirs@dir.example") == set()
    assert found(client, "02-999-9999") == set()


def test_the_other_division_sees_its_own_customer_and_not_ours(client, people, directory):
    client.force_login(people["market"])

    assert found(client, "Dircust") == {"Dircust Theirs"}


def test_staff_in_no_team_find_nobody(client, directory):
    client.force_login(UserFactory(username="dir.loner", is_staff=True))

    assert found(client, "Dircust") == set()


def test_an_admin_finds_everyone(client, people, directory):
    client.force_login(people["admin"])

    assert found(client, "Dircust") == {"Dircust Ours", "Dircust Served", "Dircust Theirs"}


def test_the_entry_forms_prefill_ignores_a_customer_of_another_division(client, people, directory):
    client.force_login(people["staff"])

    other = client.get("/desk/new/", {"contact": directory["theirs"].pk}).content.decode()
    own = client.get("/desk/new/", {"contact": directory["ours"].pk}).content.decode()

    assert "theirs@dir.example" not in other
    assert "02-999-9999" not in other
    assert "ours@dir.example" in own


def test_customer_id_of_another_division_is_refused_as_if_it_did_not_exist(people, directory):
    api = client_for(people["staff"])

    def post(customer_id):
        payload = request_payload(customer_id=customer_id)
        del payload["customer"]
        return api.post(REQUESTS, payload, format="json")

    foreign, missing = post(directory["theirs"].pk), post(999_999_999)

    assert foreign.status_code == missing.status_code == 400
    assert "theirs@dir.example" not in foreign.content.decode()
    assert foreign.json()["customer_id"][0].replace(
        str(directory["theirs"].pk), "N"
    ) == missing.json()["customer_id"][0].replace("999999999", "N")
    assert post(directory["served"].pk).status_code == 201


def test_reads_of_personal_data_are_recorded_and_only_admins_read_the_record(
    client, people, directory
):
    client.force_login(people["staff"])
    found(client, "Dircust")
    client.get("/desk/new/", {"contact": directory["ours"].pk})

    reads = CustomerDataRead.objects.filter(user=people["staff"])
    assert {(r.contact_id, r.via) for r in reads} == {
        (directory["ours"].pk, "desk:customer-search"),
        (directory["served"].pk, "desk:customer-search"),
        (directory["ours"].pk, "desk:new"),
    }
    assert {r.username for r in reads} == {"api.staff"}

    listing = "/admin/requests_desk/customerdataread/"
    assert client.get(listing).status_code in (302, 403)
    client.force_login(people["admin"])
    page = client.get(listing)
    assert page.status_code == 200
    assert "desk:customer-search" in page.content.decode()
    read = reads.first()
    assert client.post(f"{listing}{read.pk}/delete/").status_code == 403
    assert CustomerDataRead.objects.filter(pk=read.pk).exists()


def test_access_records_are_kept_for_the_retention_period_then_purged(people, directory, settings):
    old = timezone.now() - timedelta(days=settings.CHARTER_RETENTION_DAYS + 1)
    recent = timezone.now() - timedelta(days=settings.CHARTER_RETENTION_DAYS - 1)
    for at in (old, recent):
        CustomerDataRead.objects.create(
            at=at, user=people["staff"], username="api.staff", contact=directory["ours"], via="x"
        )

    call_command("purge_personal_data", verbosity=0)

    assert list(CustomerDataRead.objects.values_list("at", flat=True)) == [recent]
