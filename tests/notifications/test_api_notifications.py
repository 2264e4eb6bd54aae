"""``/api/v1/notifications/``: managers and admins read the outbox of their divisions."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commitments.deadlines import deadline_start
from notifications.models import Notification
from tests.factories import (
    CalendarFactory,
    CommitmentFactory,
    DivisionFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/notifications/"
T0 = datetime(2026, 10, 13, 1, 0, tzinfo=UTC)


class World:
    """Two divisions, each with a head, a clock on a request, and messages about it; plus an
    admin, a plain staff member, and a message about nothing a division owns."""

    def __init__(self) -> None:
        calendar = CalendarFactory()
        self.admin = UserFactory(username="root", is_superuser=True)
        self.staff = UserFactory(username="plain")
        self.market_head = UserFactory(username="market-head")
        self.network_head = UserFactory(username="network-head")
        self.market = DivisionFactory(code="market", head=self.market_head, calendar=calendar)
        self.network = DivisionFactory(code="network", head=self.network_head, calendar=calendar)
        self.market_clock = self.clock(self.market, request_id=41)
        self.network_clock = self.clock(self.network, request_id=42)
        self.reminder = self.message("reminder", deadline=self.market_clock)
        self.breach = self.message("breach", deadline=self.market_clock, state="failed")
        self.network_reminder = self.message("reminder", deadline=self.network_clock)
        # A request's acknowledgement has no clock of its own, but its request has clocks.
        self.acknowledgement = self.message(
            "acknowledgement", subject_type="request", subject_id="41", channel="sms"
        )
        self.notice = self.message("notice", subject_type="suspension", subject_id="3")

    def clock(self, division, *, request_id: int):
        team = TeamFactory(code=f"{division.code}-team", division=division)
        commitment = CommitmentFactory(
            code=f"test.{division.code}", division=division, target_kind="elapsed"
        )
        return deadline_start(
            commitment=commitment,
            subject_type="request",
            subject_id=str(request_id),
            started_at=T0,
            team=team,
            division=division,
            now=T0,
        )

    def message(self, step: str, *, deadline=None, state="queued", channel="email", **subject):
        if deadline is not None:
            subject = {"subject_type": deadline.subject_type, "subject_id": deadline.subject_id}
        count = Notification.objects.count()
        return Notification.objects.create(
            idempotency_key=f"api:{count}:{step}",
            step=step,
            channel=channel,
            recipient="010-1234-5678" if channel == "sms" else "someone@example.com",
            body="…",
            deadline=deadline,
            state=state,
            send_after=T0,
            next_attempt_at=None if state == "failed" else T0,
            last_error="SMTP 550" if state == "failed" else "",
            **subject,
        )


@pytest.fixture
def world(unseeded) -> World:
    return World()


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_anonymous_callers_are_asked_to_authenticate(world):
    assert APIClient().get(LIST).status_code == 401


def test_plain_staff_may_not_read_the_outbox(world):
    response = api_as(world.staff).get(LIST)

    assert response.status_code == 403
    assert api_as(world.staff).get(f"{LIST}{world.reminder.pk}/").status_code == 403


def test_an_admin_sees_every_message(world):
    assert ids(api_as(world.admin).get(LIST)) == set(
        Notification.objects.values_list("pk", flat=True)
    )


def test_a_manager_sees_the_messages_of_their_divisions_only(world):
    seen = ids(api_as(world.market_head).get(LIST))

    assert seen == {world.reminder.pk, world.breach.pk, world.acknowledgement.pk}


def test_a_manager_cannot_read_another_divisions_message(world):
    client = api_as(world.market_head)

    assert client.get(f"{LIST}{world.reminder.pk}/").status_code == 200
    assert client.get(f"{LIST}{world.network_reminder.pk}/").status_code == 404
    assert client.get(f"{LIST}{world.notice.pk}/").status_code == 404


def test_a_message_has_the_fields_of_the_public_contract(world):
    row = api_as(world.admin).get(f"{LIST}{world.breach.pk}/").json()

    assert row == {
        "id": world.breach.pk,
        "idempotency_key": world.breach.idempotency_key,
        "request": 41,
        "deadline": world.market_clock.pk,
        "step": "breach",
        "channel": "email",
        "recipient": "someone@example.com",
        "state": "failed",
        "send_after": "2026-10-13T10:00:00+09:00",
        "attempts": 0,
        "last_error": "SMTP 550",
        "sent_at": None,
        "created_at": row["created_at"],
    }


def test_a_message_about_something_other_than_a_request_names_no_request(world):
    row = api_as(world.admin).get(f"{LIST}{world.notice.pk}/").json()

    assert (row["request"], row["deadline"]) == (None, None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"request": 41}, {"reminder", "breach", "acknowledgement"}),
        ({"request": 42}, {"network_reminder"}),
        ({"step": "reminder"}, {"reminder", "network_reminder"}),
        ({"state": "failed"}, {"breach"}),
        ({"channel": "sms"}, {"acknowledgement"}),
        ({"request": 41, "step": "breach"}, {"breach"}),
    ],
)
def test_the_list_filters_by_request_step_state_and_channel(world, query, expected):
    assert ids(api_as(world.admin).get(LIST, query)) == {getattr(world, n).pk for n in expected}


@pytest.mark.parametrize("query", [{"step": "nonsense"}, {"request": "abc"}, {"state": "x"}])
def test_a_bad_filter_value_is_a_400(world, query):
    response = api_as(world.admin).get(LIST, query)

    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_the_list_is_paginated_with_a_next_link(world):
    body = api_as(world.admin).get(LIST, {"page_size": 2}).json()

    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert body["next"].endswith("page=2&page_size=2")


def test_the_list_queries_do_not_grow_with_the_messages(world):
    def queries(user) -> int:
        client = api_as(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    before = {user: queries(user) for user in (world.admin, world.market_head)}
    for n in range(30):
        world.message("reminder", deadline=world.market_clock if n % 2 else world.network_clock)
        world.message("message", subject_type="request", subject_id="41")

    assert {user: queries(user) for user in before} == before


def test_the_schema_describes_the_notification_list(world):
    schema = APIClient().get("/api/v1/schema/", {"format": "json"}).json()

    parameters = {p["name"] for p in schema["paths"][LIST]["get"]["parameters"]}
    assert {"request", "step", "state", "channel", "page", "page_size"} <= parameters
    fields = schema["components"]["schemas"]["Notification"]["properties"]
    assert fields["request"]["nullable"] is True
    assert set(fields) >= {"id", "idempotency_key", "request", "deadline", "step", "send_after"}
