"""Fast entry: a call or a request logged from one form; refused input keeps what was typed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import Deadline, Division, Team
from requests_desk.models import CustomerContact, PhoneCall, Request
from tests.factories import CustomerContactFactory
from tests.requests_desk.desk_support import clocks, member_of
from tests.requests_desk.views_support import signed_in_member, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

NEW = "/desk/new/"


@pytest.fixture
def staff(client, charter):
    """The charter, no demo requests."""
    return signed_in_member(client, "desk.entry")


@pytest.fixture
def infrastructure(charter):
    return Division.objects.get(code="infrastructure")


def call_form(division, **changes) -> dict:
    return {
        "entry_type": "call",
        "organisation": "Example Securities",
        "name": "Kim Example",
        "email": "",
        "phone": "02-1234-5678",
        "rings": "2",
        "greeting_given": "on",
        "kind": "modification",
        "channel": "phone",
        "division": str(division.pk),
        "priority": "normal",
        "subject": "Add the ISIN column to the settlement screen",
        "details": "Asked on the phone; wants it before the quarter closes.",
        "assign_to_me": "on",
        **changes,
    }


def request_form(division, **changes) -> dict:
    defaults = {"entry_type": "request", "channel": "email", "email": "kim@example.com"}
    return call_form(division, **{"rings": "", **defaults, **changes})


def test_the_form_opens_with_the_users_division_and_a_call_chosen(client, staff, infrastructure):
    response = client.get(NEW)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["division"] == infrastructure.pk
    page = text(response)
    assert 'value="call" autocomplete="off" checked autofocus' in page
    assert 'list="organisation-options"' in page


def test_a_logged_call_becomes_a_request_with_a_running_feasibility_clock(
    client, staff, infrastructure
):
    response = client.post(NEW, call_form(infrastructure))

    case = Request.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/requests/{case.pk}/"
    assert case.channel == "phone"
    assert case.kind == "modification"
    assert case.assignee == staff
    assert clocks(case)["common.feasibility"].state == "running"
    call = PhoneCall.objects.get()
    assert call.request == case
    assert call.rings == 2
    page = text(client.get(response["Location"]))
    assert case.tracking_code in page
    assert 'role="status"' in page  # the success message


def test_a_call_with_dates_sets_them_on_the_request_it_created(client, staff, infrastructure):
    due = timezone.localdate() + timedelta(days=60)
    client.post(NEW, call_form(infrastructure, expected_completion=due.isoformat()))

    case = Request.objects.get()
    assert case.expected_completion == due
    assert "common.progress-15d" in clocks(case)


def test_a_request_finds_the_existing_customer_by_organisation_and_email(
    client, staff, infrastructure
):
    known = CustomerContactFactory(email="kim@example.com")
    form = request_form(infrastructure, organisation=known.organisation.name, name=known.name)

    response = client.post(NEW, form)

    assert response.status_code == 302
    assert Request.objects.get().customer == known
    assert CustomerContact.objects.count() == 1


def test_a_chosen_contact_is_the_customer(client, staff, infrastructure):
    known = CustomerContactFactory()
    known.organisation.divisions.add(infrastructure)  # a customer of the staff's division
    form = request_form(infrastructure, contact=str(known.pk), organisation="", email="")

    response = client.post(NEW, form)

    assert response.status_code == 302, response.context["form"].errors
    assert Request.objects.get().customer == known


def test_a_contact_in_the_address_prefills_the_callers_details(client, staff, infrastructure):
    known = CustomerContactFactory(phone="02-555-0101")
    known.organisation.divisions.add(infrastructure)  # a customer of the staff's division

    form = client.get(f"{NEW}?contact={known.pk}").context["form"]

    assert form.initial["email"] == known.email
    assert form.initial["organisation"] == known.organisation.name
    assert form.initial["phone"] == "02-555-0101"


def test_the_look_up_answers_matching_contacts_as_json(client, staff, infrastructure):
    known = CustomerContactFactory(name="Park Lookup")
    known.organisation.divisions.add(infrastructure)  # a customer of the staff's division
    CustomerContactFactory(name="Someone Else")

    answer = client.get(reverse("desk:customer-search"), {"q": "lookup"}).json()

    assert answer["results"] == [
        {
            "id": known.pk,
            "name": "Park Lookup",
            "organisation": known.organisation.name,
            "email": known.email,
            "phone": known.phone,
        }
    ]


def test_the_look_up_ignores_a_nul_byte_instead_of_failing(client, staff):
    response = client.get(reverse("desk:customer-search"), {"q": "\x00\x00"})

    assert response.status_code == 200
    assert response.json() == {"results": []}


def test_the_look_up_is_for_staff_only(client, charter):
    response = client.get(reverse("desk:customer-search"), {"q": "lookup"})

    assert response.status_code == 302


def assert_refused_keeping(response, field: str, typed: dict[str, str]) -> None:
    """The form came back (nothing saved) with an error on ``field`` linked from the summary,
    and every typed value is still in its field."""
    assert response.status_code == 200
    assert Request.objects.count() == 0
    form = response.context["form"]
    assert field in form.errors, form.errors
    page = text(response)
    assert 'class="alert alert-danger error-summary"' in page
    assert f'href="#id_{field}"' in page
    for value in typed.values():
        assert value in page


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("received_at", {"received_at": "2999-01-01T09:00"}),
        ("subject", {"subject": "x" * 201}),
        ("phone", {"phone": "call me maybe"}),
        ("rings", {"rings": ""}),
    ],
)
def test_a_refused_call_keeps_what_was_typed(client, staff, infrastructure, field, changes):
    form = call_form(infrastructure, **changes)

    response = client.post(NEW, form)

    assert_refused_keeping(
        response, field, {k: form[k] for k in ("name", "organisation", "details") if form[k]}
    )


def test_an_expected_completion_before_receipt_is_refused(client, staff, infrastructure):
    received = timezone.localtime() - timedelta(days=3)
    form = request_form(
        infrastructure,
        received_at=received.strftime("%Y-%m-%dT%H:%M"),
        expected_completion=(received.date() - timedelta(days=1)).isoformat(),
    )

    response = client.post(NEW, form)

    assert_refused_keeping(response, "expected_completion", {"subject": form["subject"]})
    assert form["received_at"] in text(response)


def test_a_mistyped_receipt_is_the_only_error_not_the_dates_compared_with_it(
    client, staff, infrastructure
):
    yesterday = timezone.localdate() - timedelta(days=1)
    form = request_form(
        infrastructure, received_at="last tuesday", expected_completion=yesterday.isoformat()
    )

    response = client.post(NEW, form)

    assert_refused_keeping(response, "received_at", {"subject": form["subject"]})
    assert "expected_completion" not in response.context["form"].errors


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("email", {"email": "not-an-address"}),
        ("email", {"email": ""}),
        ("kind", {"kind": ""}),
        ("organisation", {"organisation": ""}),
        ("service", {"service": "999999"}),
    ],
)
def test_a_refused_request_keeps_what_was_typed(client, staff, infrastructure, field, changes):
    form = request_form(infrastructure, **changes)

    response = client.post(NEW, form)

    assert_refused_keeping(response, field, {"subject": form["subject"], "name": form["name"]})


def test_a_division_the_user_does_not_work_in_is_refused(client, staff, charter):
    market = Division.objects.get(code="market")

    response = client.post(NEW, request_form(market))

    assert_refused_keeping(response, "division", {})


def test_the_entry_page_answers_in_english(client, staff, infrastructure):
    response = client.post(f"/en{NEW}", request_form(infrastructure, email="nope"))

    page = text(response)
    assert '<html lang="en">' in page
    assert "Enter a valid email address." in page


def test_a_person_in_charge_from_another_division_is_refused_on_the_call(client, charter):
    """Someone working in both divisions is offered both; the service refuses a market
    colleague in charge of an infrastructure call (they would own its call-back clock)."""
    both = signed_in_member(client, "desk.both")
    Team.objects.get(code="market-it-infra").members.add(both)
    market_colleague = member_of("market-it-infra", "market.colleague")
    infrastructure = Division.objects.get(code="infrastructure")
    form = call_form(infrastructure, person_absent="on", person_in_charge=str(market_colleague.pk))

    response = client.post(NEW, form)

    assert_refused_keeping(
        response, "person_in_charge", {k: form[k] for k in ("name", "organisation", "details")}
    )
    assert (
        "이 직원은 요청의 본부 소속이 아닙니다."
        in response.context["form"].errors["person_in_charge"]
    )
    assert PhoneCall.objects.count() == 0
    assert Deadline.objects.count() == 0


def test_only_people_of_the_users_divisions_may_be_in_charge(client, staff, infrastructure):
    market_colleague = member_of("market-it-infra", "market.colleague")

    offered = client.get(NEW).context["form"].fields["person_in_charge"].queryset
    assert staff in offered
    assert market_colleague not in offered
    form = call_form(infrastructure, person_in_charge=str(market_colleague.pk))
    response = client.post(NEW, form)

    assert_refused_keeping(response, "person_in_charge", {"name": form["name"]})
