"""Steps the browser journeys share."""

import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, username: str, next_path: str) -> None:
    """Sign in through the login form as a demo user and land on ``next_path``."""
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(settings.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}{next_path}")


def answer_with_canned_reply(
    page: Page, *, reply, reads: str, purpose: str, channel: str, file: Path
) -> None:
    """On a request page: pick the canned ``reply`` (the script fills in its text, which
    ``reads`` — a pattern — and its ``purpose``), send it on ``channel`` with ``file``."""
    tell = page.locator("#action-communicate")
    tell.locator("#id_communicate-canned").select_option(str(reply.pk))
    expect(tell.locator("#id_communicate-summary")).to_have_value(re.compile(reads))
    expect(tell.locator("#id_communicate-purpose")).to_have_value(purpose)
    tell.locator("#id_communicate-channel").select_option(channel)
    tell.locator("#id_communicate-files").set_input_files(str(file))
    tell.locator("button.btn-primary").click()
    expect(page.locator("main .alert-success")).to_be_visible()
    expect(page.locator("#timeline .timeline-files")).to_contain_text(file.name)
