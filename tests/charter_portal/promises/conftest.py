"""What the catalogue-row tests share: the desk's fixtures (``people``, ``api`` — a member of
Network Support in Infrastructure HO — and ``moment``, which pins "now" for this process and
for the sweep's database clock), the sweep run through its command, and a clock read back as
the desk's API shows it."""

import io
import re

from django.core.cache import cache
from django.core.management import call_command

from tests.requests_desk.conftest import api, moment, people  # noqa: F401  (fixtures)

DEADLINES = "/api/v1/deadlines/"
SCORECARD = "/en/charter/scorecard/"


def sweep() -> None:
    """One sweep now (``manage.py sweep_deadlines``), at the instant ``moment`` pinned."""
    call_command("sweep_deadlines", stdout=io.StringIO())


def clock(desk, code: str) -> dict:
    """The clock of ``code`` as ``/api/v1/deadlines/`` lists it to ``desk`` (an API client); of
    a series, its first cycle."""
    response = desk.get(DEADLINES, {"commitment": code})
    assert response.status_code == 200, response.content
    found = response.json()["results"]
    assert found, f"no clock of {code}"
    return min(found, key=lambda c: (c["cycle"], c["id"]))


def scorecard_month(client, code: str) -> str:
    """The public scorecard's "kept / due" of ``code`` for the last full month, e.g. "1 / 2"
    ("" when the row is not shown). The page is cached for minutes: read afresh."""
    cache.clear()
    response = client.get(SCORECARD)
    assert response.status_code == 200
    row = re.search(
        rf'<tr data-commitment="{re.escape(code)}">.*?<td class="text-end">([^<]*)</td>',
        response.content.decode(),
        re.S,
    )
    return row.group(1) if row else ""
