"""request_communicate and the support handler's "under an hour": what stops which clock."""

from datetime import date

import pytest

from commitments.models import Commitment
from notifications.models import Notification
from requests_desk import cases
from requests_desk.cases import DeskError
from requests_desk.models import Activity
from tests.factories import CustomerContactFactory
from tests.requests_desk.desk_support import clock, clocks, member_of, new_request
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def staff():
    return member_of("net-support", "desk.staff")


def tell(request, actor, purpose, channel="phone", **kwargs):
    return cases.request_communicate(
        request, actor=actor, purpose=purpose, channel=channel, summary=f"Told: {purpose}", **kwargs
    )


@pytest.mark.parametrize("channel", ["phone", "visit", "document", "homepage", "support_center"])
def test_telling_feasibility_on_any_channel_meets_the_clock(staff, channel):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    with at(2026, 9, 28, 14, 0):
        activity = tell(request, staff, "feasibility", channel=channel)

    feasibility = clock(request, "common.feasibility")
    assert feasibility.state == "met"
    assert feasibility.stopped_at == kst(2026, 9, 28, 14, 0)
    assert activity.public
    assert activity.data["stopped"] == ["common.feasibility"]
    request.refresh_from_db()
    assert request.next_due_at is None


def test_telling_after_due_records_the_breach_at_due(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    with at(2026, 9, 28, 16, 0):
        tell(request, staff, "feasibility")

    feasibility = clock(request, "common.feasibility")
    assert feasibility.state == "breached"
    breach = feasibility.events.get(kind="breached")
    assert breach.at == kst(2026, 9, 28, 15, 0)


def test_a_back_dated_communication_counts_at_its_instant(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    with at(2026, 9, 29, 9, 0):
        tell(request, staff, "feasibility", at=kst(2026, 9, 28, 14, 59))

    assert clock(request, "common.feasibility").state == "met"


def test_another_purpose_stops_nothing(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="new_development")
        activity = tell(request, staff, "result")

    assert clock(request, "common.feasibility").state == "running"
    assert clock(request, "common.review-result").state == "met"
    assert activity.data["stopped"] == ["common.review-result"]


def test_a_progress_report_stops_the_cycle_and_the_next_counts_from_it(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, expected_completion=date(2026, 12, 31))
    with at(2026, 10, 5, 11, 0):
        tell(request, staff, "progress", channel="email")

    cycles = [
        c for c in cases.request_clocks(request) if c.commitment_code == "common.progress-15d"
    ]
    assert [(c.cycle, c.state) for c in cycles] == [(1, "met"), (2, "running")]
    assert cycles[1].due_at == kst(2026, 10, 20, 11, 0)
    request.refresh_from_db()
    assert request.next_due_at == kst(2026, 9, 28, 15, 0)  # feasibility still the nearest


def test_an_email_communication_is_sent_to_the_customer(staff):
    customer = CustomerContactFactory(email="kim@example.com")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, customer=customer)
        activity = tell(request, staff, "feasibility", channel="email")

    message = Notification.objects.get(
        idempotency_key=f"request:{request.pk}:message:{activity.pk}"
    )
    assert (message.step, message.channel, message.recipient) == (
        "message",
        "email",
        "kim@example.com",
    )
    assert "Told: feasibility" in message.body
    assert request.tracking_code in message.subject


def test_an_sms_goes_to_the_customers_phone(staff):
    customer = CustomerContactFactory(phone="010-1234-5678")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, customer=customer)
        activity = tell(request, staff, "feasibility", channel="sms")

    message = Notification.objects.get(step="message", subject_id=str(request.pk))
    assert (message.channel, message.recipient) == ("sms", "010-1234-5678")
    assert message.idempotency_key == f"request:{request.pk}:message:{activity.pk}"


def test_an_sms_to_a_customer_without_a_phone_is_a_channel_error(staff):
    customer = CustomerContactFactory(phone="")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, customer=customer)
        with pytest.raises(DeskError) as caught:
            tell(request, staff, "feasibility", channel="sms")

    assert "channel" in caught.value.message_dict
    assert clock(request, "common.feasibility").state == "running"


def test_a_phone_communication_sends_nothing(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        tell(request, staff, "feasibility", channel="phone")

    assert not Notification.objects.filter(step="message").exists()


def test_a_closed_request_refuses_communications(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        cases.request_set_status(request, actor=staff, status="closed")
        with pytest.raises(DeskError) as caught:
            tell(request, staff, "feasibility")

    assert "status" in caught.value.message_dict


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "gossip"}, "purpose"),
        ({"channel": "pigeon"}, "channel"),
        ({"summary": ""}, "summary"),
        ({"at": kst(2026, 9, 23, 15, 5)}, "at"),
        ({"at": kst(2026, 9, 23, 14, 0)}, "at"),
    ],
)
def test_bad_communications_are_field_errors(staff, changes, field):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        arguments = {"purpose": "feasibility", "channel": "phone", "summary": "ok", **changes}
        with pytest.raises(DeskError) as caught:
            cases.request_communicate(request, actor=staff, **arguments)

    assert field in caught.value.message_dict
    assert not Activity.objects.filter(kind="communication").exists()


# --- common.support-eta -----------------------------------------------------------------


def test_a_support_inquiry_owes_an_eta_within_10_minutes(staff):
    with at(2026, 9, 26, 3, 0):  # a Saturday night: elapsed clocks run 24x7
        request = new_request(staff, kind="support_inquiry", channel="support_center")
    with at(2026, 9, 26, 3, 9):
        tell(request, staff, "eta")

    eta = clock(request, "common.support-eta")
    assert eta.due_at == kst(2026, 9, 26, 3, 10)
    assert eta.state == "met"


def test_under_an_hour_meets_the_eta_clock_and_starts_the_one_hour_clock(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="support_inquiry", channel="phone")
    with at(2026, 9, 23, 15, 5):
        note = cases.request_support_under_an_hour(request, actor=staff)
    hour = clock(request, "common.support-under-an-hour")

    assert clock(request, "common.support-eta").state == "met"
    assert note.data["under_an_hour"] is True
    assert hour.due_at == kst(2026, 9, 23, 16, 5)
    with at(2026, 9, 23, 15, 30):
        tell(request, staff, "result")
        assert clock(request, "common.support-under-an-hour").state == "running"
        cases.request_set_status(request, actor=staff, status="resolved")

    assert clock(request, "common.support-under-an-hour").state == "met"


def test_under_an_hour_only_records_the_promise_when_an_admin_switched_the_row_off(staff):
    Commitment.objects.filter(code="common.support-under-an-hour").update(active=False)
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="support_inquiry", channel="support_center")
    with at(2026, 9, 23, 15, 5):
        note = cases.request_support_under_an_hour(request, actor=staff)

    assert clock(request, "common.support-eta").state == "met"
    assert note.data["under_an_hour"] is True
    assert "started" not in note.data


def test_under_an_hour_needs_an_open_eta_clock(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        with pytest.raises(DeskError):
            cases.request_support_under_an_hour(request, actor=staff)

    assert "common.support-eta" not in clocks(request)
