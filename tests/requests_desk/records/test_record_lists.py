"""The records' lists (API and pages) run a constant number of queries, whatever the rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.requests_desk.api_support import client_for, member_of
from tests.requests_desk.records import (
    test_certificates,
    test_deliveries,
    test_handovers,
    test_trainings,
    test_windows,
)
from tests.seoul import at

pytestmark = pytest.mark.django_db


def _makers(people):
    """(API list, desk list page, user, make one more record) per record."""
    staff = people["staff"]
    api = client_for(staff)
    bcp = (member_of("bcp", "lists.out"), member_of("bcp", "lists.in"))
    owner = member_of("fin-powerbase", "lists.owner")
    deliverer = member_of("market-it-infra", "lists.deliverer")
    serials = iter(range(100))
    return {
        "certificates": (
            staff,
            lambda: test_certificates.create(api, serial=f"SN-L{next(serials)}"),
        ),
        "handovers": (staff, lambda: test_handovers.create(api, bcp)),
        "test-windows": (owner, lambda: test_windows.create(client_for(owner), owner)),
        "trainings": (staff, lambda: test_trainings.create(api)),
        "deliveries": (
            people["market"],
            lambda: test_deliveries.create(client_for(people["market"]), deliverer),
        ),
    }


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.parametrize(
    "slug", ["certificates", "handovers", "test-windows", "trainings", "deliveries"]
)
def test_lists_do_not_grow_with_the_rows(slug, people, client):
    user, make = _makers(people)[slug]
    api = client_for(user)
    make()
    with at(2027, 1, 4, 9):
        client.force_login(user)
        few = (_queries(api, f"/api/v1/{slug}/"), _queries(client, f"/desk/records/{slug}/"))
    for _ in range(3):
        make()
    with at(2027, 1, 4, 9):
        many = (_queries(api, f"/api/v1/{slug}/"), _queries(client, f"/desk/records/{slug}/"))
        assert api.get(f"/api/v1/{slug}/").json()["count"] == 4
    assert many == few
