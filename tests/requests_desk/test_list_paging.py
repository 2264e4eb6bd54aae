"""The request list at any size: capped counts ("10,000+"), keyset pages in the API, and the
same queries for 5 or 50 requests, in the desk and the API, whatever the filter."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_desk.desk import paging
from requests_desk.desk.views import lists
from requests_desk.models import Request
from tests.requests_desk.api_support import REQUESTS, create
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.views_support import signed_in_member, text
from tests.seoul import at

pytestmark = pytest.mark.django_db

LIST = "/desk/requests/"
FILTERS = (
    {},
    {"status": "new"},
    {"kind": "modification", "assignee": "none"},
    {"clock": "breached"},
    {"clock": "on_track"},
    {"clock": "at_risk"},
    {"clock": "none"},
    {"q": "column"},
)


@pytest.fixture(autouse=True)
def _wednesday():
    with at(2026, 11, 25, 10, 0):
        yield


@pytest.fixture
def staff(client, charter):
    return signed_in_member(client, "desk.paging")


def add_requests(staff, count: int) -> None:
    for index in range(count):
        new_request(
            staff,
            subject=f"Add a column {index}",
            received_at=timezone.now() - timedelta(hours=index * 7),
        )


def desk_queries(client, params: dict) -> int:
    """The page's queries but its count, which only a full first page runs (a shorter one is
    the whole list: :func:`test_a_list_shorter_than_a_page_is_not_counted_again`)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(LIST, params)
    assert response.status_code == 200
    page = response.context["page"]
    counts = [q for q in captured.captured_queries if q["sql"].startswith("SELECT COUNT(*)")]
    assert len(counts) == (len(page.object_list) == page.paginator.per_page)
    return len(captured.captured_queries) - len(counts)


def test_the_desk_list_runs_the_same_queries_for_5_or_50_requests(
    client, staff, django_capture_on_commit_callbacks
):
    add_requests(staff, 5)
    # The calendars, divisions and teams are read once per process, once the reading commits.
    with django_capture_on_commit_callbacks(execute=True):
        desk_queries(client, {})
    few = {str(params): desk_queries(client, params) for params in FILTERS}
    add_requests(staff, 45)

    many = {str(params): desk_queries(client, params) for params in FILTERS}

    assert many == few
    # 18 in the performance work; since the merge each addition is per page, never per row:
    # the two-factor device read (issue 15), the session saved on every page for the idle timeout
    # (15: one UPDATE inside a savepoint, 3 statements) — and, read once per page whoever asks,
    # the menu's role checks (16: the user's groups, "heads or manages") and the bulk form's
    # choices (13), which share the filter's divisions. The filter's and the bulk form's people
    # in one query, their divisions and teams from the catalogue remembered: 3 fewer; "heads or
    # manages" read with the user's divisions: 1 fewer.
    assert max(many.values()) <= 17
    assert len(client.get(LIST).context["rows"]) == 50


def test_the_api_list_runs_the_same_queries_for_5_or_50_requests(api, people):
    def api_queries(params, path=REQUESTS):
        with CaptureQueriesContext(connection) as captured:
            response = api.get(path, params)
        assert response.status_code == 200
        return len(captured.captured_queries), response.json()

    for _number in range(5):
        create(api)
    few, _body = api_queries({"page_size": 3})
    for _number in range(45):
        create(api)

    many, body = api_queries({"page_size": 3})
    deep, _body = api_queries({}, body["next"])
    whole, everything = api_queries({"page_size": 100})

    assert many == few == deep
    assert body["count"] == 50
    assert body["count_is_capped"] is False
    # A first page that holds the whole list is not counted again.
    assert (whole, everything["count"], len(everything["results"])) == (many - 1, 50, 50)


def test_a_list_shorter_than_a_page_is_not_counted_again(client, staff, monkeypatch):
    add_requests(staff, 5)

    def shown(params: dict) -> tuple[int, int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, params)
        counts = [q for q in captured.captured_queries if "COUNT(*)" in q["sql"]]
        return len(counts), response.context["page"].paginator.count, text(response)

    monkeypatch.setattr(lists, "PAGE_SIZE", 10)
    short = shown({"q": "column"})
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    full = shown({"q": "column"})
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    second_page = shown({"q": "column", "page": 2})

    assert short[:2] == (0, 5)  # the page is the whole list: its rows are the count
    assert full[:2] == (1, 5)  # a full page may not be: counted
    assert second_page[:2] == (1, 5)
    assert "요청 5건" in short[2]  # "5 requests"
    assert "요청 5건" in second_page[2]


def test_a_long_list_counts_to_the_cap_and_says_so(client, staff, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    add_requests(staff, 5)

    response = client.get(LIST)

    assert response.context["page"].paginator.count == 3
    assert "요청 3건 이상" in text(response)  # "3+ requests"
    assert len(response.context["rows"]) == 5


def test_the_api_count_stops_at_the_cap(api, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    for _number in range(5):
        create(api)

    body = api.get(REQUESTS).json()

    assert body["count"] == 3
    assert body["count_is_capped"] is True
    assert len(body["results"]) == 5


def test_api_cursor_pages_walk_every_request_once_newest_first_even_on_equal_instants(api):
    for _number in range(7):
        create(api, received_at="2026-11-25T09:30:00+09:00")
    for _number in range(4):
        create(api)
    expected = list(Request.objects.order_by("-received_at", "-id").values_list("pk", flat=True))

    seen, url, pages = [], REQUESTS + "?page_size=3", 0
    while url:
        body = api.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
        assert body["previous"] is None

    assert seen == expected
    assert pages == 4


def test_api_page_numbers_still_work(api):
    for _number in range(5):
        create(api)

    body = api.get(REQUESTS, {"page_size": 2, "page": 2}).json()

    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=3" in body["next"]
    assert body["previous"] is not None


def test_a_broken_cursor_is_a_404_not_a_500(api):
    assert api.get(REQUESTS, {"cursor": "not-a-cursor"}).status_code == 404


def test_the_at_risk_list_reads_its_requests_once_and_pages_them_in_list_order(
    client, staff, monkeypatch
):
    """At risk (a clock due within the next working hours) is short whatever the desk's size:
    its requests are read by one query, then counted and paged from it — the same pages, in the
    list's order, as any other filter."""
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    at_risk = []
    for index in range(5):
        received = timezone.now() - timedelta(minutes=index)
        # Support inquiries owe a 10-minute answer: at risk from the start.
        at_risk.append(new_request(staff, kind="support_inquiry", received_at=received).pk)
        new_request(staff, subject=f"Calm {index}", received_at=received - timedelta(seconds=30))

    pages = [client.get(LIST, {"clock": "at_risk", "page": number}) for number in (1, 2, 3)]

    assert [[case.pk for case, _ in page.context["rows"]] for page in pages] == [
        at_risk[0:2],
        at_risk[2:4],
        at_risk[4:5],
    ]
    assert {page.context["page"].paginator.count for page in pages} == {5}
    assert {clocks.status for page in pages for _, clocks in page.context["rows"]} == {"at_risk"}
    with CaptureQueriesContext(connection) as captured:
        client.get(LIST, {"clock": "at_risk", "page": 2})
    reads = [
        query["sql"]
        for query in captured.captured_queries
        if "commitments_deadline" in query["sql"] and "requests_desk_request" in query["sql"]
    ]
    assert len(reads) == 1, reads

    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    capped = client.get(LIST, {"clock": "at_risk", "page": 2})

    assert capped.context["page"].paginator.count_is_capped
    assert "요청 3건 이상" in text(capped)  # "3+ requests"
    assert [case.pk for case, _ in capped.context["rows"]] == at_risk[2:4]
