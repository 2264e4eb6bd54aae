"""Merging duplicates: the survivor shows the duplicate's history, its clocks are cancelled
(never breached), and its tracking code leads the customer to the survivor."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commitments.models import Deadline
from notifications.delivery import deliver_due
from notifications.models import Notification
from notifications.sweep import sweep
from requests_desk.cases.attachments import attachment_check, attachment_store
from requests_desk.homepage.services.public import customer_reply
from requests_desk.models import Request
from tests.factories import CustomerContactFactory, UserFactory
from tests.requests_desk.api_support import client_for
from tests.requests_desk.desk_support import clock, member_of, new_request
from tests.requests_desk.public.support import complaint_data, forget_rate_limits
from tests.requests_desk.views_support import text
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def pair(staff):
    """Two requests about the same thing, from two people of one organisation: Wed 2 Dec 2026
    at 10:00 and 10:30 KST. Each owes its feasibility answer one business day (9 working
    hours) later: Thu 3 Dec 10:00 and 10:30."""
    first = CustomerContactFactory(email="kim@example.com")
    second = CustomerContactFactory(organisation=first.organisation, email="lee@example.com")
    with at(2026, 12, 2, 10, 0):
        survivor = new_request(staff, customer=first, subject="Settlement screen is slow")
    with at(2026, 12, 2, 10, 30):
        duplicate = new_request(staff, customer=second, subject="Settlement screen slow again")
    return survivor, duplicate


def merge(client, survivor, duplicate, note="Same problem, reported twice"):
    return client.post(
        f"/desk/requests/{survivor.pk}/merge/",
        {
            "merge-duplicate": duplicate.tracking_code.lower(),
            "merge-version": survivor.version,
            "merge-note": note,
        },
    )


def test_the_merge_form_starts_empty(client, staff, pair):
    survivor, _duplicate = pair
    with at(2026, 12, 2, 11, 0):
        page = client.get(f"/desk/requests/{survivor.pk}/").content.decode()

    field = re.search(r'<input[^>]*name="merge-duplicate"[^>]*>', page).group(0)
    assert "value=" not in field
    assert 'name="initial-merge-duplicate"' not in page


def test_merging_closes_the_duplicate_and_cancels_its_clocks_as_merged(client, staff, pair):
    survivor, duplicate = pair

    with at(2026, 12, 2, 11, 0):
        response = merge(client, survivor, duplicate)

    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == "closed"
    assert duplicate.merged_into == survivor
    feasibility = clock(duplicate, "common.feasibility")
    assert feasibility.state == "cancelled"
    assert feasibility.stop_cause == "merged"
    assert clock(survivor, "common.feasibility").state == "running"
    # Read while the session is fresh (it ends after 30 idle minutes).
    with at(2026, 12, 2, 11, 5):
        page = text(client.get(f"/desk/requests/{duplicate.pk}/"))
    assert 'id="merged-into"' in page
    assert f'href="/desk/requests/{survivor.pk}/">{survivor.tracking_code}</a>' in page


def test_the_duplicates_clocks_never_count_as_breached(client, staff, pair):
    survivor, duplicate = pair
    with at(2026, 12, 2, 11, 0):
        merge(client, survivor, duplicate)

    # Fri 4 Dec 09:00: both feasibility answers were due on Thursday; neither was given.
    sweep(now=kst(2026, 12, 4, 9, 0))

    assert clock(survivor, "common.feasibility").state == "breached"
    assert clock(duplicate, "common.feasibility").state == "cancelled"
    assert not Deadline.objects.filter(subject_id=str(duplicate.pk), state="breached").exists()
    admin = UserFactory(username="merge.admin", is_superuser=True)
    with at(2026, 12, 4, 9, 0):
        client.force_login(admin)  # signed in then: a session ends after 30 idle minutes
        breached = text(
            client.get("/reports/list/clocks/", {"outcome": "breached", "day": "2026-12-03"})
        )
        cancelled = text(
            client.get("/reports/list/clocks/", {"outcome": "cancelled", "day": "2026-12-03"})
        )
    assert survivor.tracking_code in breached
    assert duplicate.tracking_code not in breached
    assert duplicate.tracking_code in cancelled


def test_the_survivor_shows_the_duplicates_timeline_replies_and_files(client, staff, pair):
    survivor, duplicate = pair
    upload = SimpleUploadedFile("screen.pdf", PDF, content_type="application/pdf")
    file = attachment_store(duplicate, upload, kind=attachment_check(upload))
    with at(2026, 12, 2, 10, 40):
        customer_reply(duplicate, message="It froze again at 10:35.")
    with at(2026, 12, 2, 11, 0):
        merge(client, survivor, duplicate)
    # Read while the session is fresh (it ends after 30 idle minutes).
    with at(2026, 12, 2, 11, 5):
        page = text(client.get(f"/desk/requests/{survivor.pk}/"))

    assert "It froze again at 10:35." in page
    assert f"{duplicate.tracking_code}에서" in page or duplicate.tracking_code in page
    assert 'class="badge text-bg-secondary timeline-origin"' in page
    assert "Same problem, reported twice" in page
    download = f"/desk/requests/{survivor.pk}/attachments/{file.pk}/"
    assert download in page
    with at(2026, 12, 2, 11, 6):
        response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


def test_the_duplicates_tracking_code_leads_the_customer_to_the_survivor(client, staff, pair):
    survivor, duplicate = pair
    with at(2026, 12, 2, 10, 40):
        customer_reply(duplicate, message="It froze again at 10:35.")
    with at(2026, 12, 2, 11, 0):
        merge(client, survivor, duplicate)
    client.logout()

    with at(2026, 12, 2, 11, 5):
        response = client.post(
            "/track/", {"tracking_code": duplicate.tracking_code, "email": "lee@example.com"}
        )
        assert response.status_code == 302
        assert response["Location"] == f"/track/{survivor.tracking_code}/"
        page = text(client.get(response["Location"]))

    assert survivor.tracking_code in page
    assert "It froze again at 10:35." in page  # the reply written on the duplicate
    assert "Same problem, reported twice" not in page  # staff's note stays internal


def test_a_case_of_another_organisation_is_refused_and_the_form_kept(client, staff, pair):
    survivor, _duplicate = pair
    other = new_request(staff, subject="Another firm's request")

    response = merge(client, survivor, other, note="Looks alike")

    assert response.status_code == 400
    page = text(response)
    assert 'id="merge-errors"' in page
    assert "Looks alike" in page
    other.refresh_from_db()
    assert other.merged_into is None
    assert other.status == "new"


def test_a_request_of_another_division_is_not_found(client, staff, pair):
    survivor, _duplicate = pair
    market = member_of("market-it-infra", "merge.market")
    foreign = new_request(market, division="market", customer=survivor.customer)

    response = merge(client, survivor, foreign)

    assert response.status_code == 400
    foreign.refresh_from_db()
    assert foreign.merged_into is None


def test_the_api_merges_and_answers_409_on_a_stale_version(staff, pair):
    survivor, duplicate = pair
    api = client_for(staff)
    url = f"/api/v1/requests/{survivor.pk}/merge/"

    stale = api.post(
        url,
        {"duplicate": duplicate.tracking_code, "version": survivor.version + 1},
        format="json",
    )
    done = api.post(
        url, {"duplicate": duplicate.tracking_code, "version": survivor.version}, format="json"
    )

    assert stale.status_code == 409
    assert done.status_code == 200, done.content
    assert Request.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
    timeline = api.get(f"/api/v1/requests/{survivor.pk}/timeline/").json()
    lines = timeline["results"] if isinstance(timeline, dict) else timeline
    assert {line["origin"] for line in lines} >= {duplicate.tracking_code, ""}
    assert any(line["event"] == "merged" for line in lines)


def test_the_api_shows_which_request_absorbed_a_merged_one(staff, pair):
    survivor, duplicate = pair
    api = client_for(staff)
    with at(2026, 12, 2, 11, 0):
        before = api.get(f"/api/v1/requests/{duplicate.pk}/").json()
        api.post(
            f"/api/v1/requests/{survivor.pk}/merge/",
            {"duplicate": duplicate.tracking_code, "version": survivor.version},
            format="json",
        )
        absorbed = api.get(f"/api/v1/requests/{duplicate.pk}/").json()
        kept = api.get(f"/api/v1/requests/{survivor.pk}/").json()
        listed = api.get("/api/v1/requests/", {"tracking_code": duplicate.tracking_code}).json()

    assert before["merged_into"] is None
    expected = {"id": survivor.pk, "tracking_code": survivor.tracking_code}
    assert absorbed["merged_into"] == expected
    assert absorbed["status"] == "closed"
    assert kept["merged_into"] is None
    assert listed["results"][0]["merged_into"] == expected


# --- The customer of the absorbed case is told -----------------------------------------------


def merge_notices(absorbed: Request):
    return Notification.objects.filter(
        subject_type="request", subject_id=str(absorbed.pk), idempotency_key__contains="merged"
    )


def test_the_absorbed_cases_customer_is_told_the_surviving_code_by_email(client, staff, pair, smtp):
    survivor, duplicate = pair
    with at(2026, 12, 2, 11, 0):
        assert merge(client, survivor, duplicate).status_code == 302

    # The delivery pass a minute later sends it (with the two acknowledgements still queued).
    deliver_due(now=kst(2026, 12, 2, 11, 1))
    smtp.wait_for(3, timeout=10)
    [notice] = [m for m in smtp.to("lee@example.com") if survivor.tracking_code in m.subject]
    body = notice.message.get_body(("plain",)).get_content()
    # Staff logged the case: the customer's language is not known, so Korean then English.
    assert f"같은 내용의 접수번호 {survivor.tracking_code} 건과 합쳐 함께 처리합니다" in body
    assert f"Follow its progress under the tracking code {survivor.tracking_code}" in body
    assert f"/track/{duplicate.tracking_code}/" in body
    # It threads with what the customer already had about their case: the acknowledgement.
    [ack] = [m for m in smtp.to("lee@example.com") if m is not notice]
    assert notice.message["In-Reply-To"] == ack.message_id
    # The survivor's customer hears nothing of it.
    assert all("handled with" not in m.subject for m in smtp.to("kim@example.com"))
    assert merge_notices(survivor).count() == 0


def test_a_homepage_customer_who_wrote_in_english_is_told_in_english(client, staff, pair):
    survivor, _duplicate = pair
    forget_rate_limits()
    with at(2026, 12, 2, 10, 45):
        filed = client.post(
            "/en/complaint/",
            complaint_data(
                name="Park Example",
                organisation=survivor.customer.organisation.name,
                email="park@example.com",
            ),
        )
    assert filed.status_code == 302, filed.content
    homepage = Request.objects.get(customer__email="park@example.com")
    # Typed on the homepage: the contact's details are not confirmed, and the e-mail goes all
    # the same (the acknowledgement went to that address too).
    assert homepage.customer.confirmed is False

    with at(2026, 12, 2, 11, 0):
        assert merge(client, survivor, homepage).status_code == 302

    [notice] = merge_notices(homepage)
    assert (notice.recipient, notice.channel) == ("park@example.com", "email")
    assert notice.language == "en"
    assert notice.subject == (
        f"[{homepage.tracking_code}] Your request is now handled with {survivor.tracking_code}"
    )
    assert f"Dear Park Example, your request {homepage.tracking_code}" in notice.body
    assert "합쳐" not in notice.body


def test_a_customer_without_an_email_address_is_not_written_to(client, staff, pair):
    survivor, _duplicate = pair
    caller = CustomerContactFactory(organisation=survivor.customer.organisation, email="")
    with at(2026, 12, 2, 10, 40):
        called = new_request(staff, customer=caller, subject="Settlement screen, by phone")

    with at(2026, 12, 2, 11, 0):
        assert merge(client, survivor, called).status_code == 302

    assert Request.objects.get(pk=called.pk).merged_into_id == survivor.pk
    assert merge_notices(called).count() == 0
