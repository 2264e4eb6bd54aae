"""My queue and the request list: what they show, how they filter, and constant query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from commitments.models import Division
from requests_desk import cases
from requests_desk.desk.views import lists
from tests.factories import CustomerContactFactory, OrganisationFactory
from tests.requests_desk.desk_support import member_of, new_request
from tests.requests_desk.views_support import signed_in_member, text
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]

QUEUE = "/desk/"
LIST = "/desk/requests/"


@pytest.fixture(autouse=True)
def _wednesday_morning():
    """Wed 2026-11-25 10:00 KST, a working day after a working Monday: three days ago is more
    than a working day ago, as it is not on the day after a Monday holiday (2027-03-02)."""
    with at(2026, 11, 25, 10, 0):
        yield


@pytest.fixture
def staff(client, charter):
    """The charter, no demo requests."""
    return signed_in_member(client, "desk.lists")


def overdue_request(staff, **changes):
    """A modification received three days ago: its one-business-day feasibility clock is late."""
    return new_request(
        staff, assignee=staff, received_at=timezone.now() - timedelta(days=3), **changes
    )


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_queue_puts_the_overdue_request_first_and_says_by_how_much(client, staff):
    fresh = new_request(staff, assignee=staff, subject="Fresh one")
    late = overdue_request(staff, subject="Late one")

    response = client.get(QUEUE)

    page = text(response)
    assert page.index("Late one") < page.index("Fresh one")
    rows = [case for case, _clocks in response.context["rows"]]
    assert rows == [late, fresh]
    late_clocks = dict(response.context["rows"])[late]
    assert late_clocks.status == "breached"
    assert late_clocks.nearest.deadline.commitment_code == "common.feasibility"
    assert f'data-request="{late.pk}" data-clock="breached"' in page
    # Korean, the default: "… of working time overdue".
    assert "초과" in late_clocks.nearest.time_left
    assert "업무 시간 기준" in late_clocks.nearest.time_left
    assert f'data-request="{fresh.pk}" data-clock="on_track"' in page
    assert "남음" in dict(response.context["rows"])[fresh].nearest.time_left
    assert late.tracking_code in page
    assert "common.feasibility" in page


def test_the_queue_leaves_out_requests_of_others_and_closed_ones(client, staff):
    other = member_of("net-support")
    theirs = new_request(other, assignee=other, subject="Someone else's")
    closed = new_request(staff, assignee=staff, subject="Closed one")
    cases.request_set_status(closed, actor=staff, status="closed")

    page = text(client.get(QUEUE))

    assert theirs.subject not in page
    assert closed.subject not in page


def test_the_queue_of_someone_in_no_team_holds_only_what_is_assigned_to_them(client, staff):
    from requests_desk.models import Request
    from tests.factories import UserFactory

    outsider = UserFactory(is_staff=True, is_superuser=True)  # an admin, in no team
    nobodys = new_request(staff, subject="Nobody's yet", team="net-support")
    theirs = new_request(staff, subject="The outsider's")
    # Assigned to them before they left their team (the desk assigns members only).
    Request.objects.filter(pk=theirs.pk).update(assignee=outsider)

    client.force_login(outsider)
    assert [case for case, _ in client.get(QUEUE).context["rows"]] == [theirs]
    client.force_login(staff)
    assert nobodys in [case for case, _ in client.get(QUEUE).context["rows"]]


def test_the_queue_runs_the_same_queries_for_5_or_50_requests(
    client, staff, django_assert_max_num_queries
):
    for _ in range(2):
        new_request(staff, assignee=staff)
    # Of each kind the 50 show: a process reads each clock terms it has not seen once (one
    # query for all of them), whatever the number of rows.
    new_request(staff, assignee=staff, kind="new_development")
    for _ in range(2):
        overdue_request(staff)
    with_five = queries(client, QUEUE)

    for _ in range(45):
        new_request(staff, assignee=staff, kind="new_development")

    with django_assert_max_num_queries(with_five):
        response = client.get(QUEUE)
    assert len(response.context["rows"]) == 50


def test_the_list_runs_the_same_queries_for_5_or_50_requests(
    client, staff, django_assert_max_num_queries, monkeypatch
):
    # Full pages of 4 both times: a first page shorter than a page is not counted (one query
    # fewer, test_list_paging), which would make the 5 look cheaper than they are.
    monkeypatch.setattr(lists, "PAGE_SIZE", 4)
    for _ in range(5):
        new_request(staff)
    filtered = f"{LIST}?clock=on_track&status=new&assignee=none"
    with_five = queries(client, LIST)
    with_five_filtered = queries(client, filtered)

    for index in range(45):
        new_request(staff, customer=CustomerContactFactory(), subject=f"Bulk {index}")

    with django_assert_max_num_queries(with_five):
        response = client.get(LIST)
    assert len(response.context["rows"]) == 4
    assert response.context["page"].paginator.count == 50
    with django_assert_max_num_queries(with_five_filtered):
        response = client.get(filtered)
    assert len(response.context["rows"]) == 4


def test_the_list_shows_only_the_users_divisions(client, staff):
    market = Division.objects.get(code="market")
    theirs = new_request(member_of("market-it-infra"), division=market, subject="Market only")
    mine = new_request(staff, subject="Infrastructure case")

    rows = [case for case, _ in client.get(LIST).context["rows"]]

    assert mine in rows
    assert theirs not in rows


def test_the_list_finds_text_in_subject_body_tracking_code_and_customer(client, staff):
    customer = CustomerContactFactory(organisation=OrganisationFactory(name="Hanbit Securities"))
    wanted = new_request(staff, customer=customer, subject="Settlement screen", body="ISIN column")
    new_request(staff, subject="Something else", body="nothing")

    for query in ("settlement", "isin", wanted.tracking_code.lower(), "hanbit"):
        rows = [case for case, _ in client.get(LIST, {"q": query}).context["rows"]]
        assert rows == [wanted], query


def test_the_list_filters_by_status_kind_assignee_and_division(client, staff):
    waiting = new_request(staff, kind="access_rights")
    cases.request_set_status(waiting, actor=staff, status="waiting")
    mine = new_request(staff, kind="modification", assignee=staff)
    nobodys = new_request(staff, kind="modification")
    infrastructure = Division.objects.get(code="infrastructure")

    def listed(**params):
        return {case for case, _ in client.get(LIST, params).context["rows"]}

    assert listed(status="waiting") == {waiting}
    assert listed(kind="access_rights") == {waiting}
    assert listed(assignee="me") == {mine}
    assert listed(assignee=str(staff.pk)) == {mine}
    assert nobodys in listed(assignee="none")
    assert mine not in listed(assignee="none")
    assert listed(division=str(infrastructure.pk)) == {waiting, mine, nobodys}


def test_the_list_filters_by_clock_state(client, staff):
    late = overdue_request(staff)
    fresh = new_request(staff)
    quiet = new_request(staff, kind="institutional_change")  # owes no clock without a date

    def listed(clock):
        return {case for case, _ in client.get(LIST, {"clock": clock}).context["rows"]}

    assert listed("breached") == {late}
    assert listed("on_track") == {fresh}
    assert listed("none") == {quiet}
    assert listed("at_risk") == set()


def index_definitions() -> dict[str, str]:
    """The request table's indexes as PostgreSQL holds them, by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            ["requests_desk_request"],
        )
        return dict(cursor.fetchall())


def test_the_breached_and_kind_and_status_pages_have_indexes_in_list_order():
    # Which plan PostgreSQL picks depends on the table's statistics (a test's few rows, or what
    # the earlier tests left): the plans at 1M are in bench/README.md. Here: the indexes exist,
    # in the list's order, the breached one only over the requests with a breach instant.
    indexes = index_definitions()

    breach = indexes["request_breach_received"]
    assert "(received_at DESC, id DESC)" in breach
    assert "WHERE (clock_breach_at IS NOT NULL)" in breach
    assert "(kind, status, received_at DESC, id DESC)" in indexes["request_kind_status_received"]


def test_the_queue_has_an_index_of_the_open_requests_by_assignee_and_team():
    # Each part of the queue (mine; my teams', nobody's) is counted and paged from it alone.
    queue = index_definitions()["request_open_queue"]

    assert "(assignee_id, team_id) INCLUDE (division_id, next_due_at, received_at, id)" in queue
    assert "WHERE ((status)::text = ANY" in queue
    for status in ("new", "in_review", "in_progress", "waiting"):
        assert status in queue


def test_the_no_clock_filter_has_an_index_of_its_requests_in_list_order():
    # Its count reads up to 10,001 entries of this index alone (bench/README.md has the plans).
    clockless = index_definitions()["request_clockless_received"]

    assert "(received_at DESC, id DESC)" in clockless
    assert "INCLUDE (division_id)" in clockless
    assert "WHERE (NOT owes_clock)" in clockless


def test_the_list_is_paginated_keeping_the_filters(client, staff):
    for index in range(51):
        new_request(staff, subject=f"Paged {index}")

    first = client.get(LIST, {"q": "Paged"})
    second = client.get(LIST, {"q": "Paged", "page": 2})

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert 'href="?q=Paged&amp;page=2"' in first.content.decode()


def test_bad_filters_are_ignored_not_an_error(client, staff):
    response = client.get(LIST, {"status": "nonsense", "page": "x"})

    assert response.status_code == 200


def selected(html: str, name: str) -> list[str]:
    """The values of the options chosen in the select ``name``."""
    import re

    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"[^>]*selected', select.group(0))


def test_the_filters_show_what_each_view_chose_and_the_people_as_they_now_are(client, staff):
    """The filter and bulk fields' HTML is kept between views: a view with other choices, or
    after a new member joins, must not show the last one's."""
    new_request(staff)
    first = client.get(LIST, {"status": "new", "clock": "breached"}).content.decode()
    second = client.get(LIST, {"status": "closed"}).content.decode()
    joined = member_of("net-support", "desk.newcomer")
    third = client.get(LIST, {"status": "closed", "assignee": str(joined.pk)})
    invalid = client.get(LIST, {"status": "sleeping"})

    assert (selected(first, "status"), selected(first, "clock")) == (["new"], ["breached"])
    assert (selected(second, "status"), selected(second, "clock")) == (["closed"], [""])
    assert "desk.newcomer" not in second
    page = third.content.decode()
    assert selected(page, "assignee") == [str(joined.pk)]
    assert selected(page, "bulk-assignee") == [""]
    assert f'value="{joined.pk}"' in page.split('name="bulk-assignee"')[1].split("</select>")[0]
    assert "is-invalid" in invalid.content.decode()
    assert "is-invalid" not in page


def options(html: str, name: str) -> set[str]:
    """The values offered in the select ``name``, the empty one aside."""
    import re

    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select, name
    return set(re.findall(r'<option value="([^"]+)"', select.group(0)))


def test_the_filter_offers_anyone_and_the_bulk_action_only_people_and_teams_of_ones_divisions(
    client, staff, django_capture_on_commit_callbacks
):
    from commitments.models import Team

    market = member_of("market-it-infra", "desk.market")
    manager = member_of("bcp", "desk.bcp")
    Team.objects.filter(code="bcp").update(manager=manager)
    retired = member_of("net-dev", "desk.retired")
    retired.is_active = False
    retired.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.get(LIST)  # the divisions and teams remembered, as between views

    page = client.get(LIST).content.decode()

    ours = Division.objects.get(code="infrastructure")
    assert options(page, "division") == {str(ours.pk)}
    people = options(page, "assignee") - {"me", "none"}
    assert {str(staff.pk), str(market.pk), str(manager.pk)} <= people
    assert str(retired.pk) not in people
    colleagues = options(page, "bulk-assignee")
    assert {str(staff.pk), str(manager.pk)} <= colleagues
    assert not {str(market.pk), str(retired.pk)} & colleagues
    teams = Team.objects.filter(division=ours).values_list("pk", flat=True)
    assert options(page, "bulk-team") == {str(pk) for pk in teams}


def test_a_desk_page_reads_the_catalogues_version_once(client, staff, monkeypatch):
    from commitments.models import calendar

    shared, reads = calendar.cache, []

    class Counting:
        def get(self, key, *args, **kwargs):
            reads.append(key)
            return shared.get(key, *args, **kwargs)

        def __getattr__(self, name):
            return getattr(shared, name)

    monkeypatch.setattr(calendar, "cache", Counting())
    case = new_request(staff)

    for page in (LIST, f"{LIST}{case.pk}/"):
        reads.clear()
        assert client.get(page).status_code == 200
        assert reads.count(calendar.TERMS_VERSION_KEY) == 1, page


def test_a_row_says_its_due_instant_kind_and_status_in_the_readers_language(client, staff):
    from django.template.defaultfilters import date as date_filter
    from django.utils import translation

    from tests.requests_desk.desk_support import clock

    request = new_request(staff, kind="modification")
    due = timezone.localtime(clock(request, "common.feasibility").due_at)

    page = text(client.get(LIST))

    row = page.split(f'data-request="{request.pk}"')[1].split("</tr>")[0]
    with translation.override("ko"):
        shown = f'<time datetime="{date_filter(due, "c")}">{date_filter(due, "Y-m-d (D) H:i")}'
        kind, status = request.get_kind_display(), request.get_status_display()
    assert f"{shown}</time>" in row
    assert "(목요일)" in shown  # Thursday, in Korean
    assert f"{kind} · " in row
    assert f"<td>{status}</td>" in row


def test_a_row_escapes_what_people_typed_and_says_when_no_clock_runs(client, staff):
    quiet = new_request(staff, kind="institutional_change", subject="<b>Bold</b> & co")

    page = client.get(LIST).content.decode()

    row = page.split(f'data-request="{quiet.pk}"')[1].split("</tr>")[0]
    assert row.startswith(' data-clock="none">')
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; co" in row
    assert "<b>" not in row
    assert f'value="{quiet.pk}:{quiet.version}" id="select-{quiet.pk}"' in row
    assert f'aria-label="{quiet.tracking_code} 선택"' in row
    assert "진행 중인 기한 없음" in row  # "No running clock"
    assert row.count(f'href="/desk/requests/{quiet.pk}/"') == 2
    # The queue shows the same rows without the tick boxes.
    cases.request_update(quiet, actor=staff, assignee=staff)
    queue = client.get(QUEUE).content.decode()
    assert f'data-request="{quiet.pk}" data-clock="none"' in queue
    assert 'type="checkbox"' not in queue


def test_each_row_of_a_page_says_its_own_kind_status_and_clock_state(client, staff):
    """The words rows share are translated once a page, by code: each row still gets its own."""
    from django.utils import translation

    from requests_desk.desk.views.common import status_label as clock_label
    from requests_desk.vocabulary import RequestKind, Status

    late = overdue_request(staff, kind="modification")
    fresh = new_request(staff, kind="access_rights")
    waiting = new_request(staff, kind="modification")
    cases.request_set_status(waiting, actor=staff, status="waiting")

    for language, path in (("ko", LIST), ("en", f"/en{LIST}")):
        page = client.get(path).content.decode()

        def row(request, page=page):
            return page.split(f'data-request="{request.pk}"')[1].split("</tr>")[0]

        with translation.override(language):
            assert f">{clock_label('breached')}</span>" in row(late)
            assert f">{clock_label('on_track')}</span>" in row(fresh)
            assert f"{RequestKind.MODIFICATION.label} · " in row(late)
            assert f"{RequestKind.ACCESS_RIGHTS.label} · " in row(fresh)
            assert f"<td>{Status.WAITING.label}</td>" in row(waiting)
            assert f"<td>{Status.NEW.label}</td>" in row(fresh)
