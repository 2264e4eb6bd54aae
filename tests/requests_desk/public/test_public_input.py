"""Public input never edits what exists: a homepage submission naming a known customer (their
organisation and e-mail, in any case) is filed under them but leaves their record alone; what it
says about the customer is shown to staff as "given on this case" for a person to accept; and
messages about a case go only to a number staff confirmed or one given on that same case."""

import pytest
from django.test import Client
from django.utils import translation

from notifications.models import Notification
from requests_desk.models import Activity, CustomerContact, HomepageSubmission, Request
from tests.factories import CustomerContactFactory, OrganisationFactory
from tests.requests_desk.public.support import (
    API_COMPLAINTS,
    COMPLAINT,
    api_complaint,
    complaint_data,
)
from tests.requests_desk.views_support import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

ATTACKER_PHONE = "010-6666-6666"


@pytest.fixture
def victim():
    org = OrganisationFactory(name="Example Securities")
    return CustomerContactFactory(
        organisation=org, name="김철수", email="kim@example.com", phone="010-1234-5678"
    )


def file_as_attacker(**changes) -> Request:
    response = Client(REMOTE_ADDR="198.51.100.66").post(
        API_COMPLAINTS,
        api_complaint(
            **{
                "organisation": "EXAMPLE securities",
                "email": "Kim@Example.COM",
                "name": "가짜이름",
                "phone": ATTACKER_PHONE,
                **changes,
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    return Request.objects.get(tracking_code=response.json()["tracking_code"])


def test_a_complaint_naming_a_known_customer_is_filed_under_them_and_changes_nothing(victim):
    case = file_as_attacker()

    assert case.customer == victim
    victim.refresh_from_db()
    assert victim.phone == "010-1234-5678"
    assert victim.name == "김철수"
    assert victim.confirmed
    submission = HomepageSubmission.objects.get(request=case)
    assert (submission.given_name, submission.given_phone) == ("가짜이름", ATTACKER_PHONE)


def test_a_phone_given_for_a_known_customer_without_one_is_not_filled_in(victim):
    CustomerContact.objects.filter(pk=victim.pk).update(phone="")

    file_as_attacker()

    victim.refresh_from_db()
    assert victim.phone == ""


def test_the_html_form_changes_nothing_either(victim):
    response = Client(REMOTE_ADDR="198.51.100.67").post(
        COMPLAINT,
        complaint_data(
            organisation="example securities", email="KIM@example.com", phone=ATTACKER_PHONE
        ),
    )

    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.phone == "010-1234-5678"


def test_a_new_customer_from_the_homepage_is_not_confirmed():
    Client(REMOTE_ADDR="198.51.100.68").post(COMPLAINT, complaint_data(email="new@example.com"))

    assert not CustomerContact.objects.get(email="new@example.com").confirmed


@pytest.fixture
def staff(client, demo_users):
    client.force_login(demo_users["staff"])
    return demo_users["staff"]


def test_staff_see_the_details_given_on_the_case_and_may_accept_them(victim, client, staff):
    case = file_as_attacker()
    page_url = f"/desk/requests/{case.pk}/"

    with translation.override("en"):
        page = text(client.get("/en" + page_url))
    assert 'id="given-on-this-case"' in page
    assert f'data-given="phone">{ATTACKER_PHONE}<' in page
    assert 'data-given="name">가짜이름<' in page

    response = client.post(f"/desk/requests/{case.pk}/accept-details/")

    assert response.status_code == 302
    victim.refresh_from_db()
    assert (victim.name, victim.phone) == ("가짜이름", ATTACKER_PHONE)
    submission = HomepageSubmission.objects.get(request=case)
    assert submission.details_accepted_by == staff
    line = Activity.objects.filter(request=case, event="changed").get()
    assert line.actor == staff
    assert line.data["fields"] == ["customer_name", "customer_phone"]
    assert 'id="given-on-this-case"' not in text(client.get(page_url))


def test_details_that_match_the_record_are_not_offered(victim, client, staff):
    case = file_as_attacker(name="김철수", phone="010-1234-5678")

    assert 'id="given-on-this-case"' not in text(client.get(f"/desk/requests/{case.pk}/"))


def sms(client, case) -> Notification:
    response = client.post(
        f"/desk/requests/{case.pk}/communicate/",
        {
            "communicate-purpose": "progress",
            "communicate-channel": "sms",
            "communicate-summary": "Working on it.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Notification.objects.filter(channel="sms", subject_id=str(case.pk)).latest("pk")


def test_an_sms_about_the_case_goes_to_the_number_given_on_it(victim, client, staff):
    case = file_as_attacker()

    assert sms(client, case).recipient == ATTACKER_PHONE


def test_an_sms_about_another_case_of_the_customer_goes_to_their_confirmed_number(
    victim, client, staff
):
    file_as_attacker()
    own = file_as_attacker(phone="")  # a case of the customer that gave no phone

    assert sms(client, own).recipient == "010-1234-5678"


def test_no_sms_goes_to_an_unconfirmed_number_given_on_another_case(client, staff):
    Client(REMOTE_ADDR="198.51.100.69").post(
        COMPLAINT, complaint_data(email="fresh@example.com", phone="010-2222-3333")
    )
    second = Client(REMOTE_ADDR="198.51.100.70").post(
        API_COMPLAINTS,
        api_complaint(email="fresh@example.com", phone=""),
        content_type="application/json",
    )
    case = Request.objects.get(tracking_code=second.json()["tracking_code"])

    response = client.post(
        f"/desk/requests/{case.pk}/communicate/",
        {
            "communicate-purpose": "progress",
            "communicate-channel": "sms",
            "communicate-summary": "Working on it.",
        },
    )

    assert response.status_code == 400
    assert not Notification.objects.filter(channel="sms", recipient="010-2222-3333").exists()


def test_the_details_given_on_a_case_are_purged_with_its_personal_data(victim, settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    case = file_as_attacker()
    long_ago = timezone.now() - timedelta(days=settings.CHARTER_RETENTION_DAYS + 1)
    Request.objects.filter(pk=case.pk).update(status="closed", closed_at=long_ago)

    call_command("purge_personal_data", verbosity=0)

    submission = HomepageSubmission.objects.get(request=case)
    assert (submission.given_name, submission.given_phone) == ("", "")
