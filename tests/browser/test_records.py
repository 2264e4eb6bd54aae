"""Certificates in a real browser: an admin's CSV is checked (a bad row listed and refused),
imported, and a month before expiry the sweep's guidance pass sends the renewal guidance,
which the certificate's page shows as the clock met."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commitments.models import Deadline, Division
from notifications.clock import pin_now
from notifications.models import Notification
from requests_desk.models import Certificate
from tests.browser.support import log_in
from tests.seoul import SEOUL

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]


def test_a_certificate_imported_from_a_csv_gets_its_guidance_a_month_before_expiry(
    live_server, page: Page, artifacts, tmp_path, monkeypatch
):
    base = live_server.url
    today = datetime.now(SEOUL).date()
    expires = today + timedelta(days=60)
    csv = tmp_path / "certificates.csv"
    csv.write_text(
        "organisation,contact_name,email,phone,product,serial,expires_on,language\n"
        f"예시증권,홍길동,hong@example.com,010-1234-5678,증권전자인증,BR-1,{expires},ko\n"
        f"예시증권,김철수,kim@example.com,,증권전자인증,BR-2,{today - timedelta(days=1)},ko\n",
        encoding="utf-8",
    )
    log_in(page, base, "staff", "/desk/records/certificates/import/")
    infrastructure = Division.objects.get(code="infrastructure")
    page.locator("#id_division").select_option(str(infrastructure.pk))
    page.locator("#id_file").set_input_files(str(csv))
    page.locator("#import-form button[type=submit]").click()

    bad = page.locator('#bad-rows tr[data-row="3"]')
    expect(bad).to_contain_text("이미 만료된 인증서입니다.")
    expect(page.locator("#good-count")).to_contain_text("1")
    page.screenshot(path=artifacts / "certificate-import-preview.png", full_page=True)
    page.locator("#import-confirm button[type=submit]").click()
    expect(page).to_have_url(f"{base}/desk/records/certificates/")
    imported = Certificate.objects.filter(serial__startswith="BR-")
    assert list(imported.values_list("serial", flat=True)) == ["BR-1"]

    certificate = Certificate.objects.get(serial="BR-1")
    clock = Deadline.objects.get(subject_type="certificate", subject_id=str(certificate.pk))
    # The pass runs on the worker's schedule; here once, half a day before the clock is due.
    with time_machine.travel(clock.due_at - timedelta(hours=12), tick=False):
        call_command("send_certificate_guidance", verbosity=0)
        call_command("sweep_deadlines", now=(clock.due_at - timedelta(hours=12)).isoformat())
        # The clock stops when the gateway accepts them (the pass reads the database's clock).
        pinned = tmp_path / "pinned-now"
        monkeypatch.setenv("CHARTER_PINNED_NOW_FILE", str(pinned))
        pin_now(path=pinned, at=clock.due_at - timedelta(hours=12))
        call_command("deliver_notifications")
    assert sorted(
        Notification.objects.filter(
            step="message", subject_type="certificate", subject_id=str(certificate.pk)
        ).values_list("channel", flat=True)
    ) == ["email", "sms"]

    page.locator(f'#records tr[data-record="{certificate.pk}"] a').first.click()
    expect(
        page.locator('#record-clocks tr[data-commitment="cert.renewal-notice"]')
    ).to_have_attribute("data-state", "met")
