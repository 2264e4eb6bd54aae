"""The homepage says how each promise is measured — what starts its clock and what keeps it —
in plain Korean and English, grouped by the charter's headings, without internal codes, and
worded from the catalogue: an admin's edit shows at once."""

import re
from html import unescape

import pytest

from commitments.models import Commitment

pytestmark = pytest.mark.django_db


def row(page: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{re.escape(code)}">(.*?)</tr>', page, re.S)
    assert match, code
    return match.group(1)


def visible(html: str) -> str:
    """The text a reader sees: tags and their attributes dropped."""
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_each_promise_says_what_starts_its_clock_and_what_keeps_it_in_english(client, charter):
    page = client.get("/en/").content.decode()

    sms = visible(row(page, "bcp.trouble-sms"))
    assert "BCP trouble, from its detection" in sms
    assert "Handling plan by SMS" in sms
    assert "once the gateway accepts it" in sms
    feasibility = visible(row(page, "common.feasibility"))
    assert "when we receive your request: Modification, New development" in feasibility
    assert "Feasibility answer, by any channel" in feasibility
    institutional = visible(row(page, "common.institutional-change"))
    assert "your request is resolved" in institutional
    assert "each phone call" in visible(row(page, "phone.answer-3-rings"))
    assert "a planned service suspension" in visible(row(page, "common.suspension-notice"))


def test_the_promises_stand_under_the_charters_headings_without_codes(client, charter):
    page = client.get("/en/").content.decode()
    headings = re.findall(r'<h3 class="h6 mt-3">(.*?)</h3>', page)

    assert headings[:2] == ["Telephone and visits", "Every request"]
    assert "Infrastructure Head Office" in headings
    assert headings[-1] == "Voice of the customer"
    text = visible(page.split('id="promises-heading"', 1)[1])
    # No catalogue code (group.name) and no digest is shown to the reader.
    assert not re.search(r"\b(common|phone|bcp|cert|info|finance|network|voice)\.[a-z0-9-]+", text)
    assert not re.search(r"\b[0-9a-f]{16,}\b", text)


def test_the_korean_page_words_it_in_korean(client, charter):
    page = client.get("/").content.decode()

    sms = visible(row(page, "bcp.trouble-sms"))
    assert "문자메시지(SMS)" in sms
    assert "게이트웨이 접수 시" in sms
    assert "from its detection" not in sms


def test_an_admins_edit_of_the_acts_shows_on_the_homepage_at_once(client, charter):
    Commitment.objects.filter(code="network.trouble-plan").update(
        stop_channels=["phone"], stop_on_delivery=False
    )

    page = client.get("/en/").content.decode()

    assert "Handling plan by Phone" in visible(row(page, "network.trouble-plan"))
