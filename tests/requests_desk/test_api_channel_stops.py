"""Which acts keep a promise: purpose, channel and, for e-mail and SMS, the gateway's acceptance.

A BCP trouble reported by phone on Wed 2026-10-07 22:00 KST owes ``bcp.trouble-sms`` by 22:30
(30 minutes, around the clock) and ``bcp.trouble-result`` by Thu 01:00 (three hours).
"""

import re

import pytest
from django.core.cache import cache
from django.core.management import call_command

from commitments.models import Deadline
from notifications.models import Notification
from tests.requests_desk.api_support import (
    client_for,
    clocks,
    communicate,
    create,
    customer,
    read,
    url,
)
from tests.seoul import at

pytestmark = pytest.mark.django_db

RECEIVED = "2026-10-07T22:00:00+09:00"


@pytest.fixture
def api(people):
    return client_for(people["admin"])


@pytest.fixture
def trouble(api, django_capture_on_commit_callbacks):
    with at(2026, 10, 7, 22, 1), django_capture_on_commit_callbacks(execute=True):
        return create(
            api,
            kind="bcp_trouble",
            channel="phone",
            service="bcp",
            received_at=RECEIVED,
            customer=customer(phone="010-1234-5678"),
        )


def tell(api, request, purpose, channel, when, capture):
    with capture(execute=True):
        response = communicate(api, request, purpose, when, channel=channel)
    assert response.status_code == 201, response.content
    return response.json()


def deliver():
    call_command("deliver_notifications")


def test_a_plan_told_by_phone_never_stops_the_sms_clock(
    api, trouble, django_capture_on_commit_callbacks
):
    with at(2026, 10, 7, 22, 10):
        tell(
            api,
            trouble,
            "plan",
            "phone",
            "2026-10-07T22:10:00+09:00",
            django_capture_on_commit_callbacks,
        )

    assert clocks(read(api, trouble))["bcp.trouble-sms"]["state"] == "running"


def test_a_queued_sms_does_not_stop_the_clock_and_its_delivery_does(
    api, trouble, moment, django_capture_on_commit_callbacks
):
    with at(2026, 10, 7, 22, 10):
        activity = tell(
            api,
            trouble,
            "plan",
            "sms",
            "2026-10-07T22:10:00+09:00",
            django_capture_on_commit_callbacks,
        )

    # Queued: the gateway has not taken it yet.
    assert clocks(read(api, trouble))["bcp.trouble-sms"]["state"] == "running"
    assert Notification.objects.get(step="message").state == "queued"
    assert activity["id"]

    with moment(2026, 10, 7, 22, 12), django_capture_on_commit_callbacks(execute=True):
        deliver()

    clock = clocks(read(api, trouble))["bcp.trouble-sms"]
    assert clock["state"] == "met"
    # Stopped when the gateway accepted it (22:12), not when it was written (22:10).
    assert clock["stopped_at"] == "2026-10-07T22:12:00+09:00"


def test_an_sms_the_gateway_refuses_stops_nothing_and_the_clock_is_breached(
    api, people, moment, django_capture_on_commit_callbacks
):
    with at(2026, 10, 7, 22, 1), django_capture_on_commit_callbacks(execute=True):
        # A number the gateway refuses: not a Korean phone number at all.
        trouble = create(
            api,
            kind="bcp_trouble",
            channel="phone",
            service="bcp",
            received_at=RECEIVED,
            customer=customer(phone="+44 20 7946 0958"),
        )
    with at(2026, 10, 7, 22, 10):
        tell(
            api,
            trouble,
            "plan",
            "sms",
            "2026-10-07T22:10:00+09:00",
            django_capture_on_commit_callbacks,
        )
    with moment(2026, 10, 7, 22, 12), django_capture_on_commit_callbacks(execute=True):
        deliver()
    assert Notification.objects.get(step="message").state == "failed"
    with moment(2026, 10, 7, 22, 31), django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_deadlines")

    assert clocks(read(api, trouble))["bcp.trouble-sms"]["state"] == "breached"


def test_the_api_says_which_clocks_an_act_will_stop_before_it_is_recorded(api, trouble):
    stops = url(trouble, "communications/stops/")
    with at(2026, 10, 7, 22, 5):
        by_phone = api.get(stops, {"purpose": "plan", "channel": "phone"})
        by_sms = api.get(stops, {"purpose": "plan", "channel": "sms"})
        result = api.get(stops, {"purpose": "result", "channel": "email"})
        bad = api.get(stops, {"purpose": "sing", "channel": ""})

    assert by_phone.status_code == 200
    assert [c["commitment"] for c in by_phone.json()] == []
    assert [(c["commitment"], c["when"]) for c in by_sms.json()] == [
        ("bcp.trouble-sms", "on_delivery")
    ]
    assert [(c["commitment"], c["when"]) for c in result.json()] == [
        ("bcp.trouble-result", "on_delivery")
    ]
    assert bad.status_code == 400
    assert set(bad.json()) >= {"purpose", "channel"}
    # Asking wrote nothing.
    assert Deadline.objects.filter(state="met").count() == 0


def test_the_request_page_lists_what_keeps_each_clock_and_what_an_act_would_stop(
    client, people, trouble
):
    client.force_login(people["admin"])
    page = f"/en/desk/requests/{trouble['id']}/"
    with at(2026, 10, 7, 22, 5):
        plain = client.get(page).content.decode()
        asked = client.get(page, {"stops-purpose": "plan", "stops-channel": "sms"}).content.decode()
        by_phone = client.get(
            page, {"stops-purpose": "plan", "stops-channel": "phone"}
        ).content.decode()

    kept_by = re.search(r'<ul class="small" id="clocks-kept-by">(.*?)</ul>', plain, re.S).group(1)
    assert "Handling plan by SMS" in kept_by
    assert "once the gateway accepts it" in kept_by
    answer = re.search(r'id="stop-preview-answer".*?</div>', asked, re.S).group(0)
    assert "Trouble announcement by SMS within 30 minutes" in answer
    assert "when the gateway accepts the message" in answer
    assert "It stops no clock." in by_phone


@pytest.mark.usefixtures("trouble")
def test_the_scorecard_of_a_month_answered_by_phone_only_shows_the_sms_promise_breached(
    api, client, trouble, moment, django_capture_on_commit_callbacks
):
    with at(2026, 10, 7, 22, 10):
        tell(
            api,
            trouble,
            "plan",
            "phone",
            "2026-10-07T22:10:00+09:00",
            django_capture_on_commit_callbacks,
        )
    with at(2026, 10, 7, 23, 0):
        tell(
            api,
            trouble,
            "result",
            "phone",
            "2026-10-07T23:00:00+09:00",
            django_capture_on_commit_callbacks,
        )
    with moment(2026, 10, 8, 9, 0), django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_deadlines")
    cache.clear()

    with at(2026, 11, 3, 10, 0):
        html = client.get("/en/charter/scorecard/").content.decode()

    sms = _row(html, "Trouble announcement by SMS within 30 minutes")
    result = _row(html, "Trouble result within three hours")
    assert re.findall(r'<td class="text-end">([^<]*)</td>', sms)[:2] == ["0 / 1", "0.0 %"]
    assert re.findall(r'<td class="text-end">([^<]*)</td>', result)[:2] == ["1 / 1", "100.0 %"]


def _row(html: str, title: str) -> str:
    row = rf"<tr[^>]*><th scope=\"row\"[^>]*>{re.escape(title)}<br>.*?</tr>"
    match = re.search(row, html, re.S)
    assert match, title
    return match.group(0)


def test_the_catalogue_names_the_desks_purposes_and_channels():
    from commitments.vocabulary import CHANNELS, PURPOSES
    from requests_desk.vocabulary import Channel, Purpose

    assert list(PURPOSES) == Purpose.values
    assert list(CHANNELS) == Channel.values
