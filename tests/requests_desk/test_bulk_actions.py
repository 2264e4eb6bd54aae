"""Bulk actions in the request list and the API: each row checked and reported on its own."""

from datetime import timedelta

import pytest
from django.utils import timezone

from commitments.models import Team
from requests_desk import cases
from requests_desk.models import Activity, Request
from tests.requests_desk.api_support import client_for
from tests.requests_desk.desk_support import member_of, new_request
from tests.requests_desk.views_support import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

LIST = "/desk/requests/"
BULK = "/desk/requests/bulk/"
API_BULK = "/api/v1/requests/bulk/"


@pytest.fixture
def colleague(charter):
    return member_of("net-support", "bulk.colleague")


def some_requests(actor, n: int) -> list[Request]:
    received = timezone.now() - timedelta(hours=1)
    return [new_request(actor, subject=f"Bulk case {i}", received_at=received) for i in range(n)]


def row(case: Request) -> str:
    return f"{case.pk}:{case.version}"


def test_the_list_offers_a_checkbox_per_request_with_the_version_it_shows(client, staff):
    (case,) = some_requests(staff, 1)

    page = text(client.get(LIST))

    assert f'name="bulk-rows" value="{case.pk}:{case.version}"' in page
    assert 'action="/desk/requests/bulk/"' in page


def test_twenty_requests_are_reassigned_in_one_action_and_one_stale_row_is_refused(
    client, staff, colleague
):
    cases_ = some_requests(staff, 21)
    stale = cases_[7]
    shown = row(stale)  # the list showed this version; someone edits the request since
    cases.request_update(stale, actor=staff, version=stale.version, subject="Edited meanwhile")

    response = client.post(
        BULK,
        {
            "bulk-action": "reassign",
            "bulk-assignee": colleague.pk,
            "bulk-note": "Colleague takes the settlement cases",
            "bulk-rows": [shown if c == stale else row(c) for c in cases_],
        },
    )

    assert response.status_code == 200
    page = text(response)
    assert "20" in page.split('id="bulk-summary"')[1].split("</p>")[0]
    assert f'data-request="{stale.pk}" data-applied="no"' in page
    assert "reload and try again" in page or "새로" in page
    for case in cases_:
        case.refresh_from_db()
    assert [c.pk for c in cases_ if c.assignee == colleague] == [c.pk for c in cases_ if c != stale]
    stale.refresh_from_db()
    assert stale.assignee is None
    assert stale.subject == "Edited meanwhile"
    change = Activity.objects.filter(request=cases_[0], event="changed").latest("pk")
    assert change.text == "Colleague takes the settlement cases"
    assert change.to_user == colleague


def test_a_status_change_refused_by_the_flow_leaves_the_others_changed(client, staff):
    open_case, closed_case = some_requests(staff, 2)
    cases.request_set_status(closed_case, actor=staff, status="resolved")
    closed_case.refresh_from_db()

    response = client.post(
        BULK,
        {
            "bulk-action": "set_status",
            "bulk-status": "waiting",
            "bulk-rows": [row(open_case), row(closed_case)],
        },
    )

    assert response.status_code == 200
    open_case.refresh_from_db()
    closed_case.refresh_from_db()
    assert open_case.status == "waiting"
    assert closed_case.status == "resolved"
    assert f'data-request="{closed_case.pk}" data-applied="no"' in text(response)


def test_a_status_row_with_a_stale_version_changes_nothing(client, staff):
    (case,) = some_requests(staff, 1)

    response = client.post(
        BULK,
        {
            "bulk-action": "set_status",
            "bulk-status": "in_progress",
            "bulk-rows": [f"{case.pk}:{case.version + 5}"],
        },
    )

    assert f'data-request="{case.pk}" data-applied="no"' in text(response)
    case.refresh_from_db()
    assert case.status == "new"
    assert not Activity.objects.filter(request=case, kind="status").exists()


def test_a_request_of_another_division_is_refused_in_its_row(client, staff, charter):
    market = member_of("market-it-infra", "bulk.market")
    foreign = new_request(market, division="market")
    (mine,) = some_requests(staff, 1)

    response = client.post(
        BULK,
        {
            "bulk-action": "move_team",
            "bulk-team": Team.objects.get(code="net-dev").pk,
            "bulk-rows": [row(foreign), row(mine)],
        },
    )

    page = text(response)
    assert f'data-request="{foreign.pk}" data-applied="no"' in page
    assert foreign.tracking_code not in page  # nothing of it leaks
    mine.refresh_from_db()
    foreign.refresh_from_db()
    assert mine.team.code == "net-dev"
    assert foreign.team.code != "net-dev"


def test_no_row_ticked_is_a_form_error_that_keeps_the_choice(client, staff, colleague):
    response = client.post(BULK, {"bulk-action": "reassign", "bulk-assignee": colleague.pk})

    assert response.status_code == 400
    page = text(response)
    assert 'id="bulk-errors"' in page
    assert f'<option value="{colleague.pk}" selected' in page


def test_an_action_without_its_target_is_a_form_error_that_keeps_the_rows(client, staff):
    (case,) = some_requests(staff, 1)

    response = client.post(BULK, {"bulk-action": "reassign", "bulk-rows": [row(case)]})

    assert response.status_code == 400
    assert 'id="bulk-errors"' in text(response)
    assert f'value="{row(case)}"' in text(response)


def test_the_api_reports_each_row(staff, colleague):
    first, second = some_requests(staff, 2)
    api = client_for(staff)

    response = api.post(
        API_BULK,
        {"action": "move_team", "team": "net-dev", "rows": [row(first), f"{second.pk}:99"]},
        format="json",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] == 1
    assert body["refused"] == 1
    outcomes = {r["id"]: r for r in body["rows"]}
    assert outcomes[first.pk]["applied"] is True
    assert "version" in outcomes[second.pk]["errors"]
    first.refresh_from_db()
    assert first.team.code == "net-dev"


def test_the_api_refuses_a_bad_body_with_field_errors(staff):
    api = client_for(staff)

    response = api.post(API_BULK, {"action": "set_status", "rows": ["twelve"]}, format="json")

    assert response.status_code == 400
    assert {"rows", "status"} <= set(response.json())
