"""The public scorecard: clocks, and the two per-call telephone promises counted from the calls."""

import io
import re

import pytest
from django.core.cache import cache

from tests.factories import PhoneCallFactory
from tests.seoul import kst

pytestmark = pytest.mark.usefixtures("month")

SCORECARD = "/en/charter/scorecard/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def scorecard_row(html: str, title: str) -> str:
    row = rf"<tr[^>]*><th scope=\"row\"[^>]*>{re.escape(title)}<br>.*?</tr>"
    match = re.search(row, html, re.S)
    assert match, title
    return match.group(0)


def test_the_per_call_promises_are_counted_from_the_calls_of_the_month_and_quarter(client, month):
    # October (the last full month): the fixture's call rang 9 times without an apology; two
    # more: 2 rings, and 5 rings with an apology. September (the last full quarter, Q3): one
    # call answered at the second ring.
    PhoneCallFactory(division=month.division, rings=2, received_at=kst(2026, 10, 5, 10))
    PhoneCallFactory(
        division=month.division, rings=5, apology_given=True, received_at=kst(2026, 10, 6, 10)
    )
    PhoneCallFactory(division=month.division, rings=2, received_at=kst(2026, 9, 7, 10))
    response = client.get(SCORECARD)
    assert response.status_code == 200
    html = response.content.decode()
    answer = scorecard_row(html, "Answer within three rings")
    # Kept 1 of 3 calls in October; 1 of 1 in Q3.
    assert re.findall(r'<td class="text-end">([^<]*)</td>', answer) == [
        "1 / 3",
        "33.3 %",
        "1 / 1",
        "100.0 %",
    ]
    apology = scorecard_row(html, "Apology for a late answer")
    # Owed by the calls of 9 and 5 rings, given once; none owed in Q3.
    assert re.findall(r'<td class="text-end">([^<]*)</td>', apology) == [
        "1 / 2",
        "50.0 %",
        "0 / 0",
        "—",
    ]
    assert "counted from the call log by the day of the call" in html


def test_a_month_without_calls_leaves_the_per_call_promises_out(client):
    from django.core.management import call_command

    from requests_desk.models import PhoneCall

    # Calls are never deleted by the portal: removed around it, they are counted again.
    PhoneCall.objects.all().delete()
    call_command("rebuild_call_summaries", stdout=io.StringIO())
    html = client.get(SCORECARD).content.decode()
    assert "Answer within three rings" not in html
    assert "Apology for a late answer" not in html
