"""Who may see which report, and what bad input answers."""

import pytest

from commitments.models import Team
from tests.factories import UserFactory

DASHBOARD = "/en/reports/"


def test_an_anonymous_visitor_is_sent_to_log_in(client, charter):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/")


@pytest.mark.parametrize(
    "url",
    [
        DASHBOARD,
        "/en/reports/list/clocks/",
        "/en/reports/monthly/",
        "/en/reports/list/clocks/export/csv/",
    ],
)
def test_staff_who_manage_nothing_get_a_403(client, charter, url):
    member = UserFactory(username="report.member")
    Team.objects.get(code="net-support").members.add(member)
    client.force_login(member)
    assert client.get(url).status_code == 403


def test_an_admin_sees_the_company_and_any_division(admin_client):
    response = admin_client.get(DASHBOARD)
    assert response.status_code == 200
    assert response.context["board"].scope.kind == "company"
    assert admin_client.get(f"{DASHBOARD}?division=market").status_code == 200
    assert admin_client.get(f"{DASHBOARD}?team=net-dev").status_code == 200


def test_a_division_head_sees_their_division_and_its_teams_only(head_client):
    response = head_client.get(DASHBOARD)
    assert response.context["board"].scope.division.code == "infrastructure"
    assert head_client.get(f"{DASHBOARD}?team=net-dev").status_code == 200
    assert head_client.get(f"{DASHBOARD}?division=market").status_code == 403
    assert head_client.get(f"{DASHBOARD}?team=market-it-infra").status_code == 403
    assert head_client.get("/en/reports/list/clocks/?division=market").status_code == 403


def test_a_team_manager_starts_on_their_team_and_may_not_see_another_division(team_manager_client):
    response = team_manager_client.get(DASHBOARD)
    assert response.context["board"].scope.team.code == "net-support"
    # The division whose requests they work on the desk.
    assert team_manager_client.get(f"{DASHBOARD}?division=infrastructure").status_code == 200
    assert team_manager_client.get(f"{DASHBOARD}?division=market").status_code == 403
    assert team_manager_client.get("/en/reports/monthly/?division=market").status_code == 403


def test_the_dashboard_is_in_the_navigation_of_managers_only(team_manager_client, client):
    html = team_manager_client.get("/en/reports/").content.decode()
    assert 'href="/en/reports/"' in html
    assert "Dashboard</a>" in html
    member = UserFactory(username="report.member2")
    Team.objects.get(code="net-support").members.add(member)
    client.force_login(member)
    assert "Dashboard</a>" not in client.get("/en/desk/").content.decode()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("division=nowhere", "division", "There is no division with this code."),
        ("team=nowhere", "team", "There is no team with this code."),
        ("division=market&team=net-dev", "team", "This team does not belong to the division"),
        ("period=custom&start=2026-11-10&end=2026-11-01", "end", "on or after the first day"),
        ("period=custom&start=2025-01-01&end=2026-03-01", "end", "at most a year"),
        ("period=custom&start=2026-11-10", "end", "Give the last day"),
        ("period=month&day=2031-01-01", "day", "has not begun yet"),
        ("period=custom&start=2027-01-01&end=2027-01-31", "start", "has not begun yet"),
        ("day=1999-12-01", "day", "between 2000 and 2100"),
        ("day=2026-13-45", "day", "Enter a valid date"),
        ("period=decade", "period", "Select a valid choice"),
        ("hours=0", "hours", "greater than or equal to 1"),
    ],
)
def test_bad_input_is_a_400_with_the_error_on_its_field(admin_client, query, field, message):
    response = admin_client.get(f"{DASHBOARD}?{query}")
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    html = response.content.decode()
    assert "Please correct the following:" in html
    assert "board" not in response.context or response.context.get("board") is None


def test_what_was_typed_stays_in_the_form(admin_client):
    response = admin_client.get(f"{DASHBOARD}?division=no%3Cwhere%3E&period=year&day=2026-02-03")
    html = response.content.decode()
    assert 'value="no&lt;where&gt;" selected' in html
    assert 'value="2026-02-03"' in html
    assert "<where>" not in html


def test_list_input_errors(admin_client):
    assert admin_client.get("/en/reports/list/elsewhere/").status_code == 404
    assert admin_client.get("/en/reports/list/clocks/export/pdf/").status_code == 404
    assert admin_client.get("/en/reports/monthly/export/pdf/").status_code == 404
    response = admin_client.get("/en/reports/list/clocks/?outcome=whatever")
    assert response.status_code == 400
    assert "Unknown outcome." in response.content.decode()
    response = admin_client.get("/en/reports/list/clocks/?commitment=nope.nope")
    assert response.status_code == 400
    assert "There is no commitment with this code." in response.content.decode()
    assert admin_client.get("/en/reports/list/calls/?outcome=x").status_code == 400
    for page in ("abc", "-3", "99999999999999999999"):
        response = admin_client.get(f"/en/reports/list/clocks/?page={page}")
        assert response.status_code == 200
        assert response["Server-Timing"].startswith("app;dur=")


REPORT_URLS = [
    DASHBOARD,
    "/en/reports/list/clocks/",
    "/en/reports/list/calls/",
    "/en/reports/list/clocks/export/csv/",
    "/en/reports/list/clocks/export/xlsx/",
    "/en/reports/monthly/",
    "/en/reports/monthly/export/csv/",
    "/en/reports/monthly/export/xlsx/",
]


@pytest.mark.parametrize("url", REPORT_URLS)
@pytest.mark.parametrize(
    ("query", "field", "typed"),
    [
        ("day=9999-12-31", "day", "9999-12-31"),
        ("period=quarter&day=9999-11-30", "day", "9999-11-30"),
        ("period=year&day=9999-12-31", "day", "9999-12-31"),
        ("period=month&day=0001-01-01", "day", "0001-01-01"),
        ("period=custom&start=9999-12-30&end=9999-12-31", "start", "9999-12-30"),
    ],
)
def test_a_day_at_the_end_of_the_calendar_is_a_form_error_on_every_page(
    admin_client, url, query, field, typed
):
    response = admin_client.get(f"{url}?{query}")
    assert response.status_code == 400
    errors = response.context["form"].errors[field]
    assert any("between 2000 and 2100" in error for error in errors), errors
    assert f'value="{typed}"' in response.content.decode()
