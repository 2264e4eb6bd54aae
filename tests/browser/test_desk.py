"""The desk in a real browser: a phone call logged, feasibility told, the case handed over."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]

HANDOFF = "Customer needs the ISIN column before the quarter closes; they prefer e-mail."


def _log_out(page: Page) -> None:
    page.locator("nav form[action$='/logout/'] button").click()


def test_a_phone_call_becomes_a_request_whose_feasibility_is_told_and_handed_over(
    live_server, page: Page, artifacts
):
    base = live_server.url
    log_in(page, base, "staff", "/desk/new/")

    # Fast entry, by keyboard: a call is chosen and focused; its fields follow in tab order.
    expect(page.locator("#id_entry_type_0")).to_be_checked()
    expect(page.locator("#id_entry_type_0")).to_be_focused()
    expect(page.locator(".call-fields")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.locator("#id_organisation")).to_be_focused()
    page.keyboard.type("Example Securities")
    page.keyboard.press("Tab")
    page.keyboard.type("Kim Example")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.locator("#id_phone")).to_be_focused()
    page.keyboard.type("02-1234-5678")
    page.locator("#id_rings").fill("2")
    page.locator("#id_kind").select_option("modification")
    page.locator("#id_details").fill("Wants an ISIN column on the settlement screen.")
    page.screenshot(path=artifacts / "desk-fast-entry.png", full_page=True)
    # Forgetting the subject: the form comes back with the error first and nothing lost.
    page.locator("#id_subject").press("Enter")
    summary = page.locator("#form-errors")
    expect(summary).to_be_focused()
    expect(summary.locator('a[href="#id_subject"]')).to_be_visible()
    expect(page.locator("#id_organisation")).to_have_value("Example Securities")
    expect(page.locator("#id_name")).to_have_value("Kim Example")
    expect(page.locator("#id_kind")).to_have_value("modification")
    summary.locator('a[href="#id_subject"]').click()
    expect(page.locator("#id_subject")).to_be_focused()
    page.keyboard.type("Add the ISIN column to the settlement screen")
    page.keyboard.press("Enter")

    # The request page: the call became a request with a running feasibility clock.
    # (A fragment from the error summary's link may ride along through the redirect.)
    expect(page).to_have_url(re.compile(r"/desk/requests/\d+/(#.*)?$"))
    expect(page.locator("main .alert-success")).to_be_visible()
    feasibility = page.locator('#clocks tr[data-commitment="common.feasibility"]')
    expect(feasibility).to_have_attribute("data-state", "running")
    expect(feasibility).to_contain_text("common.feasibility")
    expect(page.locator("#timeline")).to_contain_text("common.feasibility")
    page.screenshot(path=artifacts / "desk-request-new.png", full_page=True)

    # Tell the customer it is feasible: the clock is met.
    tell = page.locator("#action-communicate")
    tell.locator("#id_communicate-purpose").select_option("feasibility")
    tell.locator("#id_communicate-summary").fill("Feasible: about three days of work.")
    tell.locator("#id_communicate-told_person").fill("Kim Example")
    tell.locator("button[type=submit]").click()
    expect(feasibility).to_have_attribute("data-state", "met")
    expect(page.locator("#timeline")).to_contain_text("Feasible: about three days of work.")

    # Raise the priority, saying why: the timeline shows the change and the reason.
    edit = page.locator("#action-edit")
    edit.locator("summary").click()
    edit.locator("#id_edit-priority").select_option("high")
    edit.locator("#id_edit-reason").fill("Customer escalated by phone")
    edit.locator("button[type=submit]").click()
    expect(page.locator("main .alert-success")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Customer escalated by phone")
    expect(feasibility).to_have_attribute("data-state", "met")

    # Hand it to the manager: without a note it is refused, with one it goes.
    transfer = page.locator("#action-transfer")
    transfer.locator("summary").click()
    manager_option = transfer.locator("#id_transfer-to option", has_text="(manager)")
    transfer.locator("#id_transfer-to").select_option(manager_option.get_attribute("value"))
    transfer.locator("button[type=submit]").click()
    expect(page.locator("#transfer-errors")).to_be_visible()
    transfer.locator("#id_transfer-handoff_note").fill(HANDOFF)
    transfer.locator("button[type=submit]").click()
    expect(page.locator("main .alert-success")).to_be_visible()
    request_url = page.url.split("#")[0]
    _log_out(page)

    # The next handler opens the case and reads the hand-off note before anything else.
    log_in(page, base, "manager", "/desk/")
    row = page.locator("#queue tr", has_text="Add the ISIN column to the settlement screen")
    expect(row).to_be_visible()
    row.get_by_role("link", name="Add the ISIN column to the settlement screen").click()
    expect(page).to_have_url(request_url)
    note = page.locator("#handoff-note")
    expect(note).to_contain_text(HANDOFF)
    expect(note).to_have_class(re.compile(r"\balert-warning\b"))
    first = page.locator("main > :not(.alert-success)").first
    expect(first).to_have_attribute("id", "handoff-note")
    page.screenshot(path=artifacts / "desk-handoff.png", full_page=True)


def test_the_queue_and_list_work_with_the_keyboard_and_filters(live_server, page: Page, artifacts):
    base = live_server.url
    log_in(page, base, "staff", "/desk/requests/")
    page.locator("#id_clock").select_option("breached")
    page.locator("#id_q").press("Enter")
    expect(page).to_have_url(re.compile(r"clock=breached"))
    for row in page.locator("#requests tbody tr[data-clock]").all():
        expect(row).to_have_attribute("data-clock", "breached")
    page.locator('nav a[href="/desk/"]').click()
    expect(page.locator("h1")).to_have_text(re.compile(r"."))
    expect(page.locator("#queue")).to_be_visible()
    page.screenshot(path=artifacts / "desk-queue.png", full_page=True)
