"""Steps the browser journeys share."""

from django.conf import settings
from playwright.sync_api import Page, expect


def log_in(page: Page, base: str, username: str, next_path: str) -> None:
    """Sign in through the login form as a demo user and land on ``next_path``."""
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(settings.DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base}{next_path}")
