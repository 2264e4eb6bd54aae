"""The request page's "edit details" and "within the hour" actions.

Hand-worked instants: a request received on Wed 2026-09-23 15:00 KST, the day before Chuseok
(Thu 24 – Sat 26 September 2026), owes a one-business-day clock (9 working hours) by
Mon 2026-09-28 15:00 KST: 3 hours on Wednesday, 6 on Monday from 09:00.
"""

from datetime import timedelta

import pytest

from commitments.models import Division
from requests_desk import cases
from requests_desk.desk.forms import EditForm
from requests_desk.models import Activity
from tests.factories import UserFactory
from tests.requests_desk.desk_support import clock, new_request
from tests.requests_desk.test_views_actions import assert_refused, url
from tests.requests_desk.views_support import text
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]


@pytest.fixture
def staff(client, demo_users):
    client.force_login(demo_users["staff"])
    return demo_users["staff"]


def edit_data(case, **changes) -> dict:
    """The edit form as shown for ``case``, with ``changes`` typed over it."""
    case.refresh_from_db()
    shown = {**EditForm.initial_for(case), "reason": "", **changes}
    return {f"edit-{name}": "" if value is None else value for name, value in shown.items()}


def test_the_edit_form_is_offered_with_the_current_details(client, staff):
    case = new_request(staff, subject="Add the ISIN column")

    page = text(client.get(url(case, "")))

    assert 'id="action-edit"' in page
    assert f'action="/desk/requests/{case.pk}/edit/"' in page
    assert 'name="edit-subject" value="Add the ISIN column"' in page
    assert f'name="edit-version" value="{case.version}"' in page


def test_changing_the_kind_to_training_moves_the_clocks_from_receipt(client, staff):
    with at(2026, 9, 23, 15, 0):
        case = new_request(staff, kind="modification")
    assert clock(case, "common.feasibility").due_at == kst(2026, 9, 28, 15, 0)

    with at(2026, 9, 23, 16, 0):
        response = client.post(
            url(case, "edit"), edit_data(case, kind="training", reason="misfiled")
        )

    assert response.status_code == 302
    assert response["Location"] == url(case, "")
    assert clock(case, "common.feasibility").state == "cancelled"
    plan = clock(case, "common.training-plan")
    assert plan.state == "running"
    # Counted from receipt, not from the change: Chuseok and the weekend are skipped.
    assert plan.started_at == kst(2026, 9, 23, 15, 0)
    assert plan.due_at == kst(2026, 9, 28, 15, 0)
    case.refresh_from_db()
    assert case.kind == "training"
    change = Activity.objects.get(request=case, kind="change")
    assert "misfiled" in change.text
    with at(2026, 9, 23, 16, 1):
        page = text(client.get(url(case, "")))
    assert 'data-commitment="common.training-plan" data-state="running"' in page
    assert 'datetime="2026-09-28T15:00:00+09:00"' in page
    assert 'data-commitment="common.feasibility" data-state="cancelled"' in page
    # The timeline shows the change line with its reason.
    assert "misfiled" in page[page.index('id="timeline-heading"') :]


def test_moving_division_keeps_a_paused_clocks_paused_time(client, demo_users):
    admin = demo_users["admin"]
    client.force_login(admin)
    with at(2026, 9, 21, 9, 0):
        case = new_request(admin)  # feasibility due Mon 9:00 + 9 h = Mon 18:00
    with at(2026, 9, 21, 12, 0):
        cases.request_set_status(case, actor=admin, status="waiting")
    with at(2026, 9, 21, 14, 0):
        cases.request_set_status(case, actor=admin, status="in_progress")
    with at(2026, 9, 21, 14, 30):
        cases.request_set_status(case, actor=admin, status="waiting")
    before = clock(case, "common.feasibility")
    assert before.state == "paused"
    assert before.paused_total == timedelta(hours=2)
    market = Division.objects.get(code="market")

    with at(2026, 9, 21, 15, 0):
        response = client.post(
            url(case, "edit"), edit_data(case, division=market.pk, reason="Market's system")
        )

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.division == market
    assert case.team.division == market  # the team followed the request
    moved = clock(case, "common.feasibility")
    assert moved.division == market
    assert moved.state == "paused"
    assert moved.paused_total == before.paused_total
    assert moved.paused_at == before.paused_at
    assert "Market's system" in Activity.objects.get(request=case, kind="change").text


def test_an_edit_on_a_stale_version_is_refused_keeping_what_was_typed(client, staff):
    case = new_request(staff, subject="Add the ISIN column")
    shown = edit_data(case, subject="Add the ISIN and CUSIP columns", reason="customer e-mail")
    cases.request_update(case, actor=staff, priority="high")

    response = client.post(url(case, "edit"), shown)

    assert_refused(response, "edit", None, ["Add the ISIN and CUSIP columns", "customer e-mail"])
    case.refresh_from_db()
    assert case.subject == "Add the ISIN column"
    # The kept form is re-armed with the current version: sending it again goes through.
    again = response.context["forms"]["edit"]
    assert again["version"].value() == str(case.version)
    assert client.post(url(case, "edit"), again.data).status_code == 302
    case.refresh_from_db()
    assert case.subject == "Add the ISIN and CUSIP columns"


def test_moving_to_a_division_the_user_cannot_see_is_refused(client, staff):
    case = new_request(staff)
    market = Division.objects.get(code="market")

    response = client.post(
        url(case, "edit"), edit_data(case, division=market.pk, subject="Moved away")
    )

    assert_refused(response, "edit", "division", ["Moved away"])
    case.refresh_from_db()
    assert case.division.code == "infrastructure"
    assert case.subject != "Moved away"
    # Only the user's own divisions are offered.
    page = text(response)
    select = page[page.index('name="edit-division"') :]
    select = select[: select.index("</select>")]
    assert 'value="' in select
    assert f'<option value="{market.pk}"' not in select


def test_an_empty_subject_is_refused(client, staff):
    case = new_request(staff)

    response = client.post(url(case, "edit"), edit_data(case, subject="", body="Kept body"))

    assert_refused(response, "edit", "subject", ["Kept body"])


def test_within_the_hour_meets_the_eta_clock_and_starts_the_hour(client, staff):
    with at(2026, 9, 23, 15, 0):
        case = new_request(staff, kind="support_inquiry", channel="phone")
        page = text(client.get(url(case, "")))
    assert 'id="under-an-hour"' in page
    assert f'action="/desk/requests/{case.pk}/under-an-hour/"' in page

    with at(2026, 9, 23, 15, 5):
        response = client.post(url(case, "under-an-hour"))
        assert response.status_code == 302
        page = text(client.get(url(case, "")))

    assert clock(case, "common.support-eta").state == "met"
    hour = clock(case, "common.support-under-an-hour")
    assert hour.due_at == kst(2026, 9, 23, 16, 5)
    assert 'data-commitment="common.support-eta" data-state="met"' in page
    assert 'data-commitment="common.support-under-an-hour" data-state="running"' in page
    assert 'id="under-an-hour"' not in page


def test_within_the_hour_without_an_eta_clock_is_refused(client, staff):
    case = new_request(staff)
    assert 'id="under-an-hour"' not in text(client.get(url(case, "")))

    response = client.post(url(case, "under-an-hour"))

    assert response.status_code == 400
    assert 'id="hour-errors"' in text(response)


@pytest.mark.parametrize("action", ["edit", "under-an-hour"])
def test_another_divisions_request_is_not_found(client, staff, action):
    outsider = UserFactory(is_superuser=True)
    case = new_request(
        outsider,
        kind="support_inquiry",
        channel="phone",
        division=Division.objects.get(code="market"),
    )
    shown = edit_data(case, subject="Taken over")

    response = client.post(url(case, action), shown)

    assert response.status_code == 404
    case.refresh_from_db()
    assert case.subject != "Taken over"
    assert clock(case, "common.support-eta").state == "running"


def test_editing_needs_a_post(client, staff):
    case = new_request(staff)

    assert client.get(url(case, "edit")).status_code == 405
