"""The portal's main journeys, done in a real browser the way a person would do them."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

CHARTER_SIZE = 38


def _log_in(page: Page, username: str) -> None:
    """Type the credentials and submit with the keyboard, as on any login form here."""
    page.locator("#id_username").click()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    expect(page.locator("#id_password")).to_be_focused()
    page.keyboard.type(settings.DEMO_PASSWORD)
    page.keyboard.press("Enter")


def _switch_language(page: Page, code: str) -> None:
    form = page.locator("nav form:has(#language-select)")
    form.locator("#language-select").select_option(code)
    form.locator("button[type=submit]").click()


def test_homepage_lists_the_charter_and_switches_language(live_server, page: Page, artifacts):
    page.goto(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    rows = page.locator("tr[data-code]")
    expect(rows).to_have_count(CHARTER_SIZE)
    feasibility = page.locator('tr[data-code="common.feasibility"]')
    expect(feasibility).to_contain_text("수정·개발 요청 수용 여부 통보")
    page.screenshot(path=artifacts / "home-ko.png", full_page=True)
    # The language button's label ("변경") stays on one line: one line box for its text.
    label_lines = page.locator("nav form:has(#language-select) button").evaluate(
        "button => { const r = document.createRange(); r.selectNodeContents(button);"
        " return new Set([...r.getClientRects()].map(rect => rect.top)).size; }"
    )
    assert label_lines == 1

    _switch_language(page, "en")
    expect(page).to_have_url(f"{live_server.url}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(rows).to_have_count(CHARTER_SIZE)
    expect(feasibility).to_contain_text("Feasibility of a modification request")
    expect(feasibility).not_to_contain_text("수정·개발")
    expect(page.locator("#language-select")).to_have_value("en")

    _switch_language(page, "ko")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    expect(feasibility).to_contain_text("수정·개발 요청 수용 여부 통보")
    expect(page.locator("#language-select")).to_have_value("ko")


def test_staff_simulates_a_deadline_over_chuseok(live_server, page: Page, artifacts):
    page.goto(f"{live_server.url}/accounts/login/")
    _log_in(page, "staff")
    expect(page).to_have_url(f"{live_server.url}/desk/")  # staff land on their queue
    expect(page.locator("nav")).to_contain_text("(staff)")

    page.locator('nav a[href="/simulator/"]').click()
    expect(page).to_have_url(re.compile(r"/simulator/$"))
    form = page.locator("main form")
    form.locator("#id_commitment").select_option("common.feasibility")
    form.locator("#id_start").fill("2026-09-23T15:00")
    form.locator("button[type=submit]").click()

    # One business day from Wednesday 15:00: Thursday to Sunday are Chuseok and the weekend.
    expect(page.locator("#due-at")).to_have_text(re.compile(r"^2026-09-28 .*15:00$"))
    expect(page.locator("#skipped")).to_contain_text("추석")
    expect(page.locator("#result")).to_contain_text("common.feasibility")
    page.screenshot(path=artifacts / "simulator-result.png", full_page=True)

    # A lead-time clock counts back from a target: without one the form says so, by the field.
    form.locator("#id_commitment").select_option("common.suspension-notice")
    form.locator("#id_start").fill("2026-10-05T09:00")
    form.locator("#id_target").fill("")
    form.locator("button[type=submit]").click()

    expect(page.locator("#result")).to_have_count(0)
    target = page.locator("#div_id_target")
    expect(target.locator("#id_target")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(target.locator(".invalid-feedback")).to_be_visible()
    expect(target.locator(".invalid-feedback")).not_to_be_empty()
    expect(page.locator("#id_start")).to_have_value("2026-10-05T09:00")
    expect(page.locator("#id_commitment")).to_have_value("common.suspension-notice")


def test_admin_edits_a_commitment_and_the_history_shows_it(live_server, page: Page):
    new_title = "Feasibility of a modification request (reviewed)"
    page.goto(f"{live_server.url}/admin/")
    _log_in(page, "admin")
    expect(page).to_have_url(f"{live_server.url}/admin/")

    page.locator('#content-main a[href="/admin/commitments/commitment/"]').first.click()
    expect(page).to_have_url(re.compile(r"/admin/commitments/commitment/$"))
    page.locator("#searchbar").fill("feasibility")
    page.locator("#searchbar").press("Enter")
    expect(page).to_have_url(re.compile(r"\?q=feasibility$"))
    page.get_by_role("link", name="common.feasibility", exact=True).click()

    title = page.locator("#id_title_en")
    expect(title).to_have_value("Feasibility of a modification request")
    title.fill(new_title)
    page.locator("input[name=_save]").click()
    expect(page.locator("ul.messagelist li.success")).to_be_visible()

    page.get_by_role("link", name="common.feasibility", exact=True).click()
    expect(page.locator("#id_title_en")).to_have_value(new_title)
    page.locator("a.historylink").click()
    expect(page).to_have_url(re.compile(r"/admin/commitments/commitment/\d+/history/"))
    change = page.locator("#change-history tbody tr").filter(has_text=new_title)
    expect(change).to_have_count(1)
    expect(change.get_by_role("link", name="admin", exact=True)).to_be_visible()
