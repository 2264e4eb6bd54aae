"""``/api/v1/deadlines/``: the clocks of your divisions, their filters, and why each is due."""

from urllib.parse import quote

import pytest

from commitments.models import Deadline, Division
from requests_desk.desk import paging
from tests.requests_desk.api_support import (
    DEADLINES,
    client_for,
    communicate,
    create,
    read,
    set_status,
    url,
)
from tests.seoul import at

NOTIFICATIONS = "/api/v1/notifications/"

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(admin):
    """A modification in Infrastructure (feasibility due Mon 28 Sep 15:00), a support inquiry
    in Infrastructure (ETA due 15:10) and a business review in the Market (due Wed 30 Sep)."""
    with at(2026, 9, 23, 15, 1):
        return {
            "modification": create(admin, received_at="2026-09-23T15:00:00+09:00"),
            "support": create(
                admin,
                kind="support_inquiry",
                channel="support_center",
                received_at="2026-09-23T15:00:00+09:00",
            ),
            "review": create(
                admin,
                kind="business_review",
                division="market",
                channel="document",
                received_at="2026-09-23T15:00:00+09:00",
            ),
        }


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["commitment"] for row in response.json()["results"]]


def test_a_clock_names_its_commitment_subject_request_division_and_owner(admin, cases, people):
    body = admin.get(DEADLINES, {"commitment": "common.feasibility"}).json()

    assert body["count"] == 1
    clock = body["results"][0]
    modification = cases["modification"]
    assert clock["commitment"] == "common.feasibility"
    assert clock["due_at"] == "2026-09-28T15:00:00+09:00"
    assert clock["started_at"] == "2026-09-23T15:00:00+09:00"
    assert clock["state"] == "running"
    assert clock["stopped_at"] is None
    assert clock["subject_type"] == "request"
    assert clock["subject_id"] == str(modification["id"])
    assert clock["request"] == modification["id"]
    assert clock["subject_label"].startswith(modification["tracking_code"])
    assert clock["division"] == "infrastructure"
    assert "owner" in clock


def test_clocks_are_listed_nearest_due_first(admin, cases):
    assert codes(admin.get(DEADLINES)) == [
        "common.support-eta",
        "common.feasibility",
        "market.business-review",
    ]


def test_staff_see_only_the_clocks_of_their_divisions(api, cases):
    assert codes(api.get(DEADLINES)) == ["common.support-eta", "common.feasibility"]


def test_a_clock_of_another_division_is_a_404(api, admin, cases):
    review = admin.get(DEADLINES, {"division": "market"}).json()["results"][0]

    assert api.get(f"{DEADLINES}{review['id']}/").status_code == 404
    assert api.get(f"{DEADLINES}{review['id']}/explain/").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"division": "market"}, ["market.business-review"]),
        ({"division": "infrastructure"}, ["common.support-eta", "common.feasibility"]),
        ({"commitment": "common.support-eta"}, ["common.support-eta"]),
        ({"state": "running", "commitment": "common.feasibility"}, ["common.feasibility"]),
        ({"state": "met"}, []),
        (
            {"due_after": "2026-09-28T15:00:00+09:00"},
            ["common.feasibility", "market.business-review"],
        ),
        ({"due_before": "2026-09-28T15:00:00+09:00"}, ["common.support-eta"]),
        (
            {"due_after": "2026-09-23T06:00:00Z", "due_before": "2026-09-29T00:00:00+09:00"},
            ["common.support-eta", "common.feasibility"],
        ),
    ],
)
def test_clocks_filter_by_state_commitment_division_and_due_range(admin, cases, params, expected):
    assert codes(admin.get(DEADLINES, params)) == expected


def test_clocks_filter_by_request(admin, cases):
    support = cases["support"]

    assert codes(admin.get(DEADLINES, {"request": support["id"]})) == ["common.support-eta"]


def test_an_unencoded_plus_in_the_offset_is_read_as_the_plus_it_stands_for(admin, cases):
    response = admin.get(f"{DEADLINES}?due_after=2026-09-28T15:00:00+09:00")

    assert codes(response) == ["common.feasibility", "market.business-review"]


def test_an_encoded_offset_works_too(admin, cases):
    response = admin.get(f"{DEADLINES}?due_before={quote('2026-09-28T15:00:00+09:00')}")

    assert codes(response) == ["common.support-eta"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"due_after": "2026-09-28T15:00:00"}, "due_after"),
        ({"due_before": "2026-09-28"}, "due_before"),
        ({"due_after": "soon"}, "due_after"),
        ({"due_after": "0001-01-01T00:00:00+09:00"}, "due_after"),
        ({"state": "asleep"}, "state"),
        ({"request": "abc"}, "request"),
    ],
)
def test_a_bad_filter_is_a_400_with_its_field(admin, cases, params, field):
    response = admin.get(DEADLINES, params)

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_explain_names_the_holidays_and_the_weekend_skipped(admin, cases):
    clock = admin.get(DEADLINES, {"commitment": "common.feasibility"}).json()["results"][0]

    response = admin.get(f"{DEADLINES}{clock['id']}/explain/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["calendar"] == "kr-public"
    assert body["due_at"] == "2026-09-28T15:00:00+09:00"
    reasons = {skip["reason"] for skip in body["skipped"]}
    assert {"holiday", "weekend"} <= reasons
    assert any("추석" in skip["label"] for skip in body["skipped"])
    assert body["pauses"] == []


def test_explain_lists_the_pauses(admin, cases):
    modification = cases["modification"]
    with at(2026, 9, 23, 16, 0):
        set_status(admin, modification, "waiting")
    with at(2026, 9, 28, 10, 0):
        set_status(admin, modification, "in_progress")
    clock = admin.get(DEADLINES, {"commitment": "common.feasibility"}).json()["results"][0]

    body = admin.get(f"{DEADLINES}{clock['id']}/explain/").json()

    assert [pause["kind"] for pause in body["pauses"]] == ["paused", "resumed"]
    assert body["paused_total"] == "03:00:00"
    assert body["due_at"] == "2026-09-28T18:00:00+09:00"


def test_the_clocks_are_read_only(admin, cases):
    clock = admin.get(DEADLINES).json()["results"][0]

    assert admin.post(DEADLINES, {}, format="json").status_code == 405
    assert (
        admin.patch(f"{DEADLINES}{clock['id']}/", {"state": "met"}, format="json").status_code
        == 405
    )
    assert admin.delete(f"{DEADLINES}{clock['id']}/").status_code == 405


def test_the_clock_list_runs_a_constant_number_of_queries(admin, django_assert_max_num_queries):
    with at(2026, 9, 23, 15, 1):
        for number in range(30):
            create(admin, subject=f"Case {number}", received_at="2026-09-23T15:00:00+09:00")

    with django_assert_max_num_queries(5):
        body = admin.get(DEADLINES, {"page_size": 500}).json()

    assert len(body["results"]) == 30


def test_clock_cursor_pages_walk_every_clock_once_nearest_due_first(admin, monkeypatch):
    """Equal due instants too (the id breaks the tie); the count stops at the cap and says so;
    ``page=N`` still works."""
    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    with at(2026, 9, 23, 15, 1):
        for number in range(8):
            create(admin, subject=f"Case {number}", received_at="2026-09-23T15:00:00+09:00")
    expected = list(Deadline.objects.order_by("due_at", "id").values_list("pk", flat=True))
    assert len(expected) > 6
    assert len(set(Deadline.objects.values_list("due_at", flat=True))) < len(expected)

    seen, page_url, pages = [], f"{DEADLINES}?page_size=3", 0
    while page_url:
        body = admin.get(page_url).json()
        seen += [row["id"] for row in body["results"]]
        assert (body["count"], body["count_is_capped"]) == (4, True)
        assert body["previous"] is None
        page_url, pages = body["next"], pages + 1

    assert seen == expected
    assert pages == -(-len(expected) // 3)
    second = admin.get(DEADLINES, {"page_size": 3, "page": 2}).json()
    assert [row["id"] for row in second["results"]] == expected[3:6]
    assert admin.get(DEADLINES, {"cursor": "not-a-cursor"}).status_code == 404


def test_a_request_moved_to_another_division_takes_its_clocks_and_messages_along(admin, people):
    """Its met clock and its messages (acknowledgement, an e-mail) leave Infrastructure."""
    with at(2026, 9, 23, 15, 1):
        moved = create(admin, received_at="2026-09-23T15:00:00+09:00")
    with at(2026, 9, 23, 16, 0):
        told = communicate(
            admin, moved, "feasibility", "2026-09-23T15:30:00+09:00", channel="email"
        )
        assert told.status_code == 201, told.content
        version = read(admin, moved)["version"]
        response = admin.patch(
            url(moved), {"version": version, "division": "market"}, format="json"
        )
        assert response.status_code == 200, response.content
    of_request = {"request": moved["id"]}
    assert "met" in {row["state"] for row in admin.get(DEADLINES, of_request).json()["results"]}
    market_head = client_for(Division.objects.get(code="market").head)

    def clocks_seen(client) -> set[str]:
        return set(codes(client.get(DEADLINES, of_request)))

    def steps_seen(client) -> set[str]:
        response = client.get(NOTIFICATIONS, of_request)
        assert response.status_code == 200, response.content
        return {row["step"] for row in response.json()["results"]}

    assert clocks_seen(client_for(people["staff"])) == set()
    assert clocks_seen(client_for(people["manager"])) == set()
    assert "common.feasibility" in clocks_seen(client_for(people["market"]))
    assert steps_seen(client_for(people["manager"])) == set()
    assert {"acknowledgement", "message"} <= steps_seen(market_head)
