"""Every page, as each role, in both languages, at a phone's and a desktop's width.

For each (role, page, language, width) one page load, checked for:

- no horizontal scroll (the document is no wider than the window);
- on Korean pages, no untranslated English word in the rendered text (words of the data —
  demo subjects, names, e-mail addresses, codes — are allowed, see ``allowed_words``);
- 0 serious or critical axe-core violations (axe-core from ``node_modules``, pinned in
  ``package-lock.json``). To keep the run short, axe runs once per page and language: Korean at
  390 px and English at 1280 px, so both languages and both widths are covered;
- error pages (404, 403) in the portal's own layout.

A screenshot of every load is kept in ``test-artifacts/every-page/`` (whole pages in Korean, the
window's view in English). The four tests take about three minutes on this 2-core machine.
Problems are collected over all pages of a role and reported together.
"""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page

from commitments.models import Calendar, Commitment, Contact
from requests_desk.models import Activity, CustomerContact, Organisation, Request
from tests.browser.conftest import ARTIFACTS
from tests.browser.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = ARTIFACTS / "every-page"
WIDTHS = (390, 1280)
LANGUAGES = ("ko", "en")
AXE_RUNS = {("ko", 390), ("en", 1280)}

PAGES = {
    "visitor": [
        "/",
        "/complaint/",
        "/track/",
        "/commend/",
        "/notices/suspensions/",
        "/notices/announcements/",
        "/emergency-contacts/",
        "/charter/scorecard/",
        "/surveys/results/",
        "/accounts/login/",
        "/no-such-page/",
    ],
    "staff": [
        "/desk/",
        "/desk/requests/",
        "{request}",
        "/desk/new/",
        "/desk/voice/",
        "/desk/notices/suspensions/",
        "/desk/notices/announcements/",
        "/simulator/",
        "/reports/",
    ],
    "manager": [
        "/reports/",
        "/reports/monthly/",
        "/reports/list/clocks/",
        "/desk/voice/unkind-reports/",
        "/desk/voice/commendations/",
        "/desk/voice/phone-scores/",
    ],
    "admin": [
        "/admin/",
        "/admin/commitments/contact/",
        "/admin/commitments/commitment/",
        "{commitment}",
        "{calendar_history}",
        "/admin/requests_desk/request/",
    ],
}
#: Pages that answer an error on purpose, with the status they must give.
ERRORS = {
    ("visitor", "/no-such-page/"): 404,
    ("staff", "/reports/"): 403,
    ("staff", "/desk/notices/announcements/"): 403,  # announcements are written by managers
}

#: Words that are the same in both languages: abbreviations, product and place names.
ALWAYS_ALLOWED = {
    "API", "CSV", "XLSX", "SLA", "SMS", "KST", "IT", "HUB", "UDP", "DWDM", "BCP", "PassPort",
    "CHECK", "PowerBase", "Asia", "Seoul", "OTP", "ISIN", "demo", "Django", "KRX", "KR",
    "Token", "JSON", "PDF", "URL", "koscomDATA", "XKRX",
    "Enter", "Ctrl",  # keys, named as on a Korean keyboard
    "English",  # the language menu names each language in itself
    "csv", "docx", "hwp", "jpg", "pdf", "png", "txt", "xlsx",  # file types an upload accepts
}  # fmt: skip
WORD = re.compile(r"(?<![\w@./:-])[A-Za-z][A-Za-z']{2,}(?![\w@./:-])")


def allowed_words() -> set[str]:
    """Words of the data the pages show as it was typed (names, subjects, e-mail parts)."""
    texts = []
    texts += Request.objects.values_list("tracking_code", flat=True)
    texts += Request.objects.values_list("subject", flat=True)
    texts += Request.objects.values_list("body", flat=True)
    texts += CustomerContact.objects.values_list("name", flat=True)
    texts += Organisation.objects.values_list("name", flat=True)
    texts += Contact.objects.values_list("name", flat=True)
    texts += Activity.objects.values_list("text", flat=True)
    for user in get_user_model().objects.all():
        texts += [user.username, user.first_name, user.last_name]
    return {w for text in texts for w in re.findall(r"[A-Za-z']+", text or "")} | ALWAYS_ALLOWED


def addresses() -> dict[str, str]:
    request = Request.objects.filter(division__code="infrastructure").order_by("pk").first()
    calendar = Calendar.objects.order_by("pk").first()
    return {
        "request": f"/desk/requests/{request.pk}/",
        "commitment": f"/admin/commitments/commitment/{Commitment.objects.first().pk}/change/",
        "calendar_history": f"/admin/commitments/calendar/{calendar.pk}/history/",
    }


def english_words(text: str, allowed: set[str]) -> set[str]:
    return {w for w in WORD.findall(text) if w not in allowed and w.strip("'") not in allowed}


def check(page: Page, *, role: str, path: str, language: str, width: int, allowed) -> list[str]:
    address = path if language == "ko" else f"/en{path}"
    response = page.goto(page.url_base + address)
    problems = []
    where = f"{role} {language} {width}px {address}"
    expected = ERRORS.get((role, path), 200)
    if response is None or response.status != expected:
        problems.append(f"{where}: HTTP {response and response.status}, expected {expected}")
    if expected != 200 and not page.locator("nav.navbar").count():
        problems.append(f"{where}: the error page is not in the portal's layout")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 1:
        problems.append(f"{where}: scrolls sideways by {overflow}px")
    if language == "ko":
        words = english_words(page.locator("body").inner_text(), allowed)
        if words:
            problems.append(f"{where}: English on a Korean page: {sorted(words)[:15]}")
    if (language, width) in AXE_RUNS:
        if not page.evaluate("() => typeof axe !== 'undefined'"):
            # Evaluated through the DevTools protocol, so the page's CSP (no inline script)
            # stays as it is for the page itself.
            page.evaluate(AXE.read_text())
        violations = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': '
                     + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))"""
        )
        problems += [f"{where}: axe {v}" for v in violations]
    slug = re.sub(r"[^\w]+", "_", address).strip("_") or "home"
    # Whole pages in Korean; the English ones as the window shows them (a faster capture).
    page.screenshot(
        path=SHOTS / f"{role}-{language}-{width}-{slug}.png", full_page=language == "ko"
    )
    return problems


@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_reads_in_its_language_fits_a_phone_and_passes_axe(
    live_server, browser: Browser, role
):
    assert AXE.exists(), "axe-core is missing: run `npm ci` at the project root"
    SHOTS.mkdir(parents=True, exist_ok=True)
    allowed = allowed_words()
    found = addresses()
    context = browser.new_context(locale="ko-KR", timezone_id="Asia/Seoul")
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.url_base = live_server.url
    try:
        if role != "visitor":
            log_in(page, live_server.url, role, "/")
        problems = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for language in LANGUAGES:
                for path in PAGES[role]:
                    path = path.format(**found)
                    problems += check(
                        page,
                        role=role,
                        path=path,
                        language=language,
                        width=width,
                        allowed=allowed,
                    )
    finally:
        context.close()
    assert problems == [], "\n".join(problems)


def test_on_a_phone_numbers_stay_on_one_line_and_the_queue_reads_as_cards(live_server, page: Page):
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{live_server.url}/emergency-contacts/")
    numbers = page.locator('#emergency-contacts a[href^="tel:"]')
    assert numbers.count() > 5
    heights = numbers.evaluate_all(
        "els => els.map(e => [e.getClientRects().length, e.textContent])"
    )
    assert [h for h in heights if h[0] != 1] == []  # one line box each: never wrapped

    log_in(page, live_server.url, "staff", "/desk/")
    row = page.locator("#queue tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    subject = row.locator("td").nth(2)
    # The subject has the card's whole width, not a column of a few letters.
    assert subject.bounding_box()["width"] > 300
