"""The request page's actions: each a small form; refused ones keep what was typed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_desk import cases
from requests_desk.models import Activity, PhoneCall
from tests.requests_desk.desk_support import clock, new_request
from tests.requests_desk.views_support import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]


@pytest.fixture
def staff(client, demo_users):
    client.force_login(demo_users["staff"])
    return demo_users["staff"]


@pytest.fixture
def case(staff):
    received = timezone.now() - timedelta(hours=2)
    return new_request(staff, assignee=staff, subject="Add the ISIN column", received_at=received)


def url(case, action: str) -> str:
    return f"/desk/requests/{case.pk}/{action}/" if action else f"/desk/requests/{case.pk}/"


def assert_refused(response, form: str, field: str | None, typed: list[str]) -> None:
    assert response.status_code == 400
    bound = response.context["forms"][form]
    key = field or "__all__"
    assert key in bound.errors, bound.errors
    page = text(response)
    assert f'id="{form}-errors"' in page
    if field:
        assert f'href="#id_{form}-{field}"' in page
    for value in typed:
        assert value in page
    if form != "callback":  # the call-back form sits beside its call, not in a fold
        assert f'id="action-{form}" open' in page


def test_telling_the_customer_feasibility_meets_the_feasibility_clock(client, case):
    response = client.post(
        url(case, "communicate"),
        {
            "communicate-purpose": "feasibility",
            "communicate-channel": "phone",
            "communicate-summary": "Feasible; about three days of work.",
            "communicate-told_person": "Kim Example",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == url(case, "")
    assert clock(case, "common.feasibility").state == "met"
    page = text(client.get(url(case, "")))
    assert 'data-commitment="common.feasibility" data-state="met"' in page
    assert "Feasible; about three days of work." in page


def test_a_communication_on_a_closed_request_is_refused_and_kept(client, staff, case):
    cases.request_set_status(case, actor=staff, status="closed")
    typed = "Told them it is done, after all."

    response = client.post(
        url(case, "communicate"),
        {
            "communicate-purpose": "result",
            "communicate-channel": "phone",
            "communicate-summary": typed,
        },
    )

    assert_refused(response, "communicate", None, [typed])
    assert not Activity.objects.filter(text=typed).exists()


def test_a_communication_in_the_future_is_refused(client, case):
    response = client.post(
        url(case, "communicate"),
        {
            "communicate-purpose": "feasibility",
            "communicate-channel": "phone",
            "communicate-summary": "From tomorrow",
            "communicate-at": "2999-01-01T10:00",
        },
    )

    assert_refused(response, "communicate", "at", ["From tomorrow", "2999-01-01T10:00"])
    assert clock(case, "common.feasibility").state == "running"


def test_a_transfer_without_a_hand_off_note_is_refused_keeping_the_choice(client, demo_users, case):
    manager = demo_users["manager"]

    response = client.post(
        url(case, "transfer"),
        {"transfer-to": f"user:{manager.pk}", "transfer-handoff_note": "", "transfer-version": 1},
    )

    assert_refused(response, "transfer", "handoff_note", [])
    assert f'<option value="user:{manager.pk}" selected>' in text(response)
    case.refresh_from_db()
    assert case.assignee == demo_users["staff"]


def test_the_next_handler_reads_the_hand_off_note_first(client, demo_users, case):
    manager = demo_users["manager"]
    note = "Customer wants it before 30 Sep; already promised a call back on Monday."

    response = client.post(
        url(case, "transfer"),
        {
            "transfer-to": f"user:{manager.pk}",
            "transfer-handoff_note": note,
            "transfer-version": case.version,
        },
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.assignee == manager
    client.force_login(manager)
    page = text(client.get(url(case, "")))
    assert page.index('id="handoff-note"') < page.index('id="tracking-code"')
    handoff = page[page.index('id="handoff-note"') : page.index("</div>", page.index(note))]
    assert note in handoff
    assert "alert-warning" in page[: page.index('id="handoff-note"')]


def test_a_status_change_on_an_old_version_is_refused_and_rearmed(client, staff, case):
    shown = case.version
    cases.request_add_note(case, actor=staff, text="Someone else got here first.")
    cases.request_update(case, actor=staff, priority="high")
    case.refresh_from_db()
    assert case.version > shown

    response = client.post(
        url(case, "status"),
        {
            "status-status": "waiting",
            "status-note": "Waiting for their test data",
            "status-version": shown,
        },
    )

    assert_refused(response, "status", None, ["Waiting for their test data"])
    case.refresh_from_db()
    assert case.status == "new"
    # Sending the kept form again (now on the current version) goes through.
    again = response.context["forms"]["status"]
    assert again["version"].value() == str(case.version)
    resent = client.post(url(case, "status"), again.data)
    assert resent.status_code == 302
    case.refresh_from_db()
    assert case.status == "waiting"


def test_dates_before_receipt_are_refused(client, case):
    # A year before receipt, counted in days: replace(year=…) fails on 29 February.
    earlier = (case.received_at.astimezone().date() - timedelta(days=365)).isoformat()

    response = client.post(
        url(case, "dates"),
        {"dates-expected_completion": earlier, "dates-version": case.version},
    )

    assert_refused(response, "dates", "expected_completion", [earlier])


def test_setting_an_expected_completion_saves_it(client, case):
    later = case.received_at.date() + timedelta(days=365)

    response = client.post(
        url(case, "dates"),
        {"dates-expected_completion": later.isoformat(), "dates-version": case.version},
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.expected_completion == later


def test_dates_on_a_stale_version_are_refused(client, staff, case):
    shown = case.version
    cases.request_update(case, actor=staff, priority="high")

    response = client.post(
        url(case, "dates"),
        {"dates-requested_due": "2099-01-01", "dates-version": shown},
    )

    assert_refused(response, "dates", None, ["2099-01-01"])


def test_a_note_is_added_to_the_timeline(client, case):
    response = client.post(url(case, "note"), {"note-text": "Checked the logs."})

    assert response.status_code == 302
    assert 'class="timeline-text">Checked the logs.' in text(client.get(url(case, "")))


def test_an_overlong_note_is_refused_and_kept(client, case):
    typed = "x" * 10_001

    response = client.post(url(case, "note"), {"note-text": typed})

    assert_refused(response, "note", "text", [typed])


def test_a_visit_is_logged(client, case):
    response = client.post(
        url(case, "visit"),
        {
            "visit-appointment_agreed": "on",
            "visit-visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "visit-results_explained_to": "Kim Example",
            "visit-summary": "Walked through the new screen.",
            "visit-purpose": "result",
        },
    )

    assert response.status_code == 302
    visit = case.visits.get()
    assert visit.results_explained_to == "Kim Example"
    assert "Walked through the new screen." in text(client.get(url(case, "")))


def test_a_visit_without_whom_the_results_were_explained_to_is_refused(client, case):
    response = client.post(
        url(case, "visit"),
        {
            "visit-visited_at": "2026-01-05T10:00",
            "visit-summary": "Short visit",
            "visit-purpose": "result",
        },
    )

    assert_refused(response, "visit", "results_explained_to", ["Short visit", "2026-01-05T10:00"])


def test_a_call_back_owed_is_offered_and_recorded(client, staff, demo_users, charter):
    call = cases.call_log(
        actor=staff,
        caller_name="Lee Example",
        organisation="Example Securities",
        division=demo_users["staff"].teams.first().division,
        rings=1,
        person_absent=True,
        person_in_charge=demo_users["manager"],
        subject="Wants the person in charge",
    )
    case = call.request

    page = text(client.get(url(case, "")))
    assert 'class="alert alert-warning callback-owed"' in page

    response = client.post(url(case, "callback"), {"callback-call": call.pk})

    assert response.status_code == 302
    assert PhoneCall.objects.get(pk=call.pk).callback_at is not None
    assert "callback-owed" not in text(client.get(url(case, "")))


def test_a_call_back_twice_is_refused(client, staff, case):
    response = client.post(url(case, "callback"), {"callback-call": 999999})

    assert_refused(response, "callback", None, [])
