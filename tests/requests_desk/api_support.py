"""Helpers the desk's API tests share: clients per role, payloads, and reading clocks."""

from rest_framework.test import APIClient

from commitments.models import Team
from tests.factories import UserFactory

REQUESTS = "/api/v1/requests/"
CALLS = "/api/v1/calls/"
DEADLINES = "/api/v1/deadlines/"
CONTACTS = "/api/v1/contacts/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def make_people() -> dict:
    """Users of each role, made here rather than by ``seed_demo`` (whose demo requests would
    show in the lists): ``staff`` and ``manager`` work in Infrastructure HO (Network Support;
    the manager manages Network Development), ``market`` is staff of the Market HO, ``admin``
    sees everything, ``loner`` belongs to no team."""
    manager = UserFactory(username="api.manager")
    Team.objects.filter(code="net-dev").update(manager=manager)
    return {
        "staff": member_of("net-support", "api.staff"),
        "manager": manager,
        "market": member_of("market-it-infra", "api.market"),
        "admin": UserFactory(username="api.admin", is_superuser=True),
        "loner": UserFactory(username="api.loner"),
    }


def member_of(team_code: str, username: str):
    """A member of staff in the team's division."""
    user = UserFactory(username=username)
    Team.objects.get(code=team_code).members.add(user)
    return user


def customer(**changes) -> dict:
    return {
        "name": "홍길동",
        "organisation": "Example Securities",
        "email": "hong@example.com",
        "phone": "02-1234-5678",
        **changes,
    }


def call_payload(**changes) -> dict:
    """A phone call as ``calls/`` takes it: received Wed 2026-09-23 15:00 KST, at the second
    ring, from a caller of an organisation not yet known."""
    return {
        "caller_name": "김철수",
        "caller_phone": "02-555-1234",
        "organisation": "Example Securities",
        "division": "infrastructure",
        "rings": 2,
        "received_at": "2026-09-23T15:00:00+09:00",
        "summary": "Market data feed drops every few minutes",
        **changes,
    }


def request_payload(**changes) -> dict:
    return {
        "kind": "modification",
        "channel": "email",
        "division": "infrastructure",
        "customer": customer(),
        "subject": "Add a column to the settlement screen",
        "body": "Please add the ISIN column.",
        **changes,
    }


def created(api, path: str, payload: dict) -> dict:
    """POST ``payload`` to ``path``, which must answer 201; the body it answers."""
    response = api.post(path, payload, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def create(api, **changes) -> dict:
    return created(api, REQUESTS, request_payload(**changes))


def url(request: dict, tail: str = "") -> str:
    return f"{REQUESTS}{request['id']}/{tail}"


def clocks(body: dict) -> dict[str, dict]:
    """The request's clocks by commitment code (the latest cycle of a series wins)."""
    return {clock["commitment"]: clock for clock in body["deadlines"]}


def read(api, request: dict) -> dict:
    response = api.get(url(request))
    assert response.status_code == 200, response.content
    return response.json()


def communicate(api, request: dict, purpose: str, when: str, **extra):
    return api.post(
        url(request, "communications/"),
        {
            "purpose": purpose,
            "channel": "phone",
            "summary": f"Told: {purpose}",
            "at": when,
            **extra,
        },
        format="json",
    )


def set_status(api, request: dict, status: str, when: str | None = None, **extra):
    payload = {"status": status, **extra}
    if when:
        payload["at"] = when
    return api.post(url(request, "status/"), payload, format="json")
