"""Helpers the desk's service tests share: Seoul instants, staff in teams, requests and clocks."""

from commitments.models import Deadline, Division, Service, Team
from requests_desk import cases
from tests.factories import CustomerContactFactory, UserFactory

CODED = {"division": Division, "team": Team, "service": Service}


def member_of(team_code: str, username: str | None = None):
    user = UserFactory(**({"username": username} if username else {}))
    Team.objects.get(code=team_code).members.add(user)
    return user


def rows(**fields) -> dict:
    """``fields`` as the services take them: a division, team or service named by its code here
    is its row."""
    return {
        name: CODED[name].objects.get(code=value)
        if name in CODED and isinstance(value, str)
        else value
        for name, value in fields.items()
    }


def new_request(actor, **changes):
    """A request logged through the service, so its clocks start."""
    fields = {
        "kind": "modification",
        "channel": "email",
        "division": "infrastructure",
        "customer": changes.pop("customer", None) or CustomerContactFactory(),
        "subject": "Add a column to the settlement screen",
        "body": "Please add the ISIN column.",
        **changes,
    }
    return cases.request_create(actor=actor, **rows(**fields))


def clocks(request) -> dict[str, Deadline]:
    """The request's latest clock of each commitment, by code."""
    return {c.commitment_code: c for c in cases.request_clocks(request)}


def clock(request, code: str) -> Deadline:
    return clocks(request)[code]
