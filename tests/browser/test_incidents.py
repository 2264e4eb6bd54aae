"""An incident at night in a real browser: staff record a BCP trouble, the affected customers
receive the SMS (the file SMS backend), the result follows, and both clocks are met.

Night of Wed 2026-10-07 (KST): the trouble is detected at 21:58, so ``bcp.trouble-sms`` is due
at 22:28 and ``bcp.trouble-result`` at Thu 00:58. The SMS is accepted by the gateway at 22:03
and the result at 23:30. 김민수 (mobile) and 박지영 (landline only) brought requests on the BCP
service in September."""

import json
import re

import pytest
import time_machine
from django.core.management import call_command
from playwright.sync_api import Page, expect

from commitments.models import Division, Service
from notifications.clock import pin_now
from tests.browser.support import log_in
from tests.factories import CustomerContactFactory, RequestFactory
from tests.seoul import kst

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("seeded")]


@pytest.fixture
def affected(seeded) -> None:
    bcp = Service.objects.get(code="bcp")
    infrastructure = Division.objects.get(code="infrastructure")
    for name, phone in (("김민수", "010-1111-2222"), ("박지영", "02-555-0100")):
        RequestFactory(
            division=infrastructure,
            service=bcp,
            customer=CustomerContactFactory(name=name, phone=phone),
            received_at=kst(2026, 9, 10, 10),
        )


@pytest.mark.usefixtures("affected")
def test_an_incident_at_night_reaches_the_customers_by_sms_and_both_clocks_are_met(
    live_server, page: Page, artifacts, settings, tmp_path, monkeypatch
):
    base = live_server.url
    settings.SMS_BACKEND, settings.SMS_FILE_PATH = "file", tmp_path / "sms"
    pinned = tmp_path / "pinned-now"
    monkeypatch.setenv("CHARTER_PINNED_NOW_FILE", str(pinned))

    def deliver_at(*when: int) -> None:
        pin_now(path=pinned, at=kst(*when))
        call_command("deliver_notifications", verbosity=0)

    with time_machine.travel(kst(2026, 10, 7, 22, 0), tick=True):
        log_in(page, base, "staff", "/desk/incidents/new/")
        page.locator("#id_kind").select_option("bcp")
        page.locator("#id_division").select_option("infrastructure")
        page.locator("input[name=services][value=bcp]").check()
        page.locator("#id_title").fill("BCP 백업 회선 장애")
        page.locator("#id_description").fill("백업 센터와의 회선이 끊겼습니다.")
        # A detection in the future is refused on its field, and what was typed stays.
        page.locator("#id_detected_at").fill("2026-10-08T09:00")
        page.locator("#incident-form button[type=submit]").click()
        expect(page.locator("#form-errors a[href='#id_detected_at']")).to_be_visible()
        expect(page.locator("#id_title")).to_have_value("BCP 백업 회선 장애")
        page.locator("#id_detected_at").fill("2026-10-07T21:58")
        page.locator("#incident-form button[type=submit]").click()

        expect(page).to_have_url(re.compile(r"/desk/incidents/\d+/$"))
        sms_clock = page.locator('#incident-clocks li[data-commitment="bcp.trouble-sms"]')
        result_clock = page.locator('#incident-clocks li[data-commitment="bcp.trouble-result"]')
        expect(sms_clock).to_have_attribute("data-state", "running")
        expect(sms_clock.locator("time")).to_have_attribute("datetime", "2026-10-07T22:28:00+09:00")
        # The landline cannot take an SMS: named, to be called.
        expect(page.locator("#unreachable")).to_contain_text("박지영")

        tell = page.locator("#action-tell")
        tell.locator("#id_tell-phase").select_option("plan")
        tell.locator("#id_tell-channel").select_option("sms")
        tell.locator("#id_tell-text").fill("BCP 백업 회선 장애: 복구 중, 결과 다시 알림")
        tell.locator("button[type=submit]").click()
        # Queued, not yet accepted by the gateway: the promise is not kept yet.
        expect(sms_clock).to_have_attribute("data-state", "running")
        page.screenshot(path=artifacts / "incident-queued.png", full_page=True)

        deliver_at(2026, 10, 7, 22, 3)
        page.reload()
        expect(sms_clock).to_have_attribute("data-state", "met")

        tell.locator("#id_tell-phase").select_option("result")
        tell.locator("#id_tell-channel").select_option("sms")
        tell.locator("#id_tell-text").fill("BCP 회선 복구 완료")
        tell.locator("button[type=submit]").click()
        deliver_at(2026, 10, 7, 23, 30)
        page.reload()
        expect(sms_clock).to_have_attribute("data-state", "met")
        expect(result_clock).to_have_attribute("data-state", "met")
        page.screenshot(path=artifacts / "incident-both-met.png", full_page=True)

    sent = [
        json.loads(line)
        for line in (tmp_path / "sms" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    to_kim = [s["text"] for s in sent if s["to"] == "01011112222"]
    assert len(to_kim) == 2
    assert "복구 중" in to_kim[0]
    assert "복구 완료" in to_kim[1]
    assert not [s for s in sent if s["to"] == "025550100"]
