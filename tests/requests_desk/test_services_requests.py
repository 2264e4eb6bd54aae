"""request_create and request_update: validation, the clocks a new request starts, the
acknowledgement, and changes that move clocks."""

from datetime import date, timedelta

import pytest
from django.utils import translation

from commitments.models import Division, Service, Team
from notifications.models import Notification
from notifications.sweep import sweep
from requests_desk import cases
from requests_desk.cases import DeskError, StaleEdit
from requests_desk.cases.timeline_words import activity_words
from requests_desk.models import Activity, Request
from tests.factories import CustomerContactFactory, UserFactory
from tests.requests_desk.desk_support import clock, clocks, member_of, new_request, rows
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")


@pytest.fixture
def staff():
    return member_of("net-support", "desk.staff")


def test_it_starts_feasibility_due_after_chuseok(staff):
    # Wed 15:00 + 9 working hours: 3 h Wed, Chuseok Thu-Fri, weekend, 6 h Mon → Mon 15:00.
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="modification")

    feasibility = clock(request, "common.feasibility")
    assert feasibility.state == "running"
    assert feasibility.started_at == kst(2026, 9, 23, 15, 0)
    assert feasibility.due_at == kst(2026, 9, 28, 15, 0)
    assert feasibility.subject_type == "request"
    assert feasibility.subject_id == str(request.pk)
    assert feasibility.subject_label == f"{request.tracking_code} {request.subject}"
    assert feasibility.owner is None
    # No service given: the division's first team, so escalations reach its manager.
    assert feasibility.team == Team.objects.get(code="bcp")
    request.refresh_from_db()
    assert request.next_due_at == kst(2026, 9, 28, 15, 0)


def test_it_acknowledges_the_request_with_the_tracking_code_and_the_promised_time(staff):
    customer = CustomerContactFactory(name="홍길동", email="hong@example.com")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, customer=customer)

    ack = Notification.objects.get(idempotency_key=f"request:{request.pk}:ack")
    assert ack.step == "acknowledgement"
    assert ack.channel == "email"
    assert ack.recipient == "hong@example.com"
    assert ack.subject_type == "request"
    assert ack.subject_id == str(request.pk)
    assert request.tracking_code in ack.body
    assert "9월 28일(월) 15:00" in ack.body
    assert "We will tell you whether it is feasible by Mon 28 Sep 15:00" in ack.body


def test_it_records_the_receipt_on_the_timeline(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, received_at=kst(2026, 9, 23, 14, 30))

    first = Activity.objects.get(request=request)
    assert first.at == kst(2026, 9, 23, 14, 30)
    assert first.actor == staff
    assert request.created_by == staff


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": "sms"}, "channel"),
        ({"priority": "extreme"}, "priority"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": "x" * 10_001}, "body"),
        ({"received_at": kst(2026, 9, 23, 15, 2)}, "received_at"),
        ({"expected_completion": date(2026, 9, 22)}, "expected_completion"),
        ({"requested_due": date(2026, 9, 22)}, "requested_due"),
        ({"requested_due": date(2031, 10, 1)}, "requested_due"),
        ({"team": "market-it-infra"}, "team"),
        ({"service": "powerbase"}, "service"),
    ],
)
def test_bad_input_is_a_field_error_and_nothing_is_saved(staff, changes, field):
    with at(2026, 9, 23, 15, 0), pytest.raises(DeskError) as caught:
        new_request(staff, **changes)

    assert field in caught.value.message_dict
    assert not Request.objects.exists()


def test_a_naive_received_at_is_refused(staff):
    with at(2026, 9, 23, 15, 0), pytest.raises(DeskError) as caught:
        new_request(staff, received_at=kst(2026, 9, 23, 14, 0).replace(tzinfo=None))

    assert "received_at" in caught.value.message_dict


def test_several_errors_come_back_together(staff):
    with at(2026, 9, 23, 15, 0), pytest.raises(DeskError) as caught:
        new_request(staff, kind="nonsense", subject="", team="market-it-infra")

    assert {"kind", "subject", "team"} <= set(caught.value.message_dict)


def test_a_received_at_within_a_minute_of_skew_is_accepted(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, received_at=kst(2026, 9, 23, 15, 0, 50))

    assert request.received_at == kst(2026, 9, 23, 15, 0, 50)


def test_the_team_defaults_to_the_services_team(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, service=Service.objects.get(code="net-internet"))

    assert request.team.code == "net-support"


def test_an_expected_completion_over_a_month_out_starts_the_15_day_progress_clock(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, expected_completion=date(2026, 11, 30))

    progress = clock(request, "common.progress-15d")
    assert progress.due_at == kst(2026, 10, 8, 15, 0)


def test_an_expected_completion_within_a_month_owes_no_progress_reports(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, expected_completion=date(2026, 10, 23))

    assert "common.progress-15d" not in clocks(request)


def test_a_market_request_with_an_expected_completion_owes_a_delay_notice_3_days_before(staff):
    market_staff = member_of("market-it-infra")
    with at(2026, 12, 1, 10, 0):
        request = new_request(
            market_staff,
            division=Division.objects.get(code="market"),
            expected_completion=date(2026, 12, 10),
        )
        # Received the same day (an expected completion before receipt is refused).
        infrastructure = new_request(staff, expected_completion=date(2026, 12, 10))

    notice = clock(request, "market.delay-notice")
    # The end of Thu 10 Dec (Seoul) less 3 days: the end of Mon 7 Dec.
    assert notice.due_at == kst(2026, 12, 8, 0, 0)
    assert "market.delay-notice" not in clocks(infrastructure)


def test_a_requested_due_date_owes_institutional_change_by_closing_on_the_last_business_day(staff):
    with at(2026, 9, 21, 10, 0):
        # Sat 3 Oct (National Foundation Day, on a weekend): closing of Fri 2 Oct.
        request = new_request(staff, kind="institutional_change", requested_due=date(2026, 10, 3))

    change = clock(request, "common.institutional-change")
    assert change.due_at == kst(2026, 10, 2, 18, 0)


def test_a_requested_due_on_chuseok_is_due_at_closing_before_it(staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff, kind="institutional_change", requested_due=date(2026, 9, 25))

    assert clock(request, "common.institutional-change").due_at == kst(2026, 9, 23, 18, 0)


# --- request_update -------------------------------------------------------------------------


def test_changing_the_kind_cancels_clocks_no_longer_owed_and_starts_the_new_ones(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff, kind="modification")
    # Made in English: the line keeps codes and values, not the words of whoever acted.
    with at(2026, 9, 23, 16, 0), translation.override("en"):
        cases.request_update(
            request, actor=staff, version=request.version, kind="training", reason="misfiled"
        )

    by_code = clocks(request)
    assert by_code["common.feasibility"].state == "cancelled"
    training = by_code["common.training-plan"]
    # Counted from receipt, not from the change.
    assert training.started_at == kst(2026, 9, 23, 15, 0)
    assert training.due_at == kst(2026, 9, 28, 15, 0)
    change = Activity.objects.filter(request=request, kind="change").get()
    assert (change.event, change.text) == ("changed", "misfiled")
    assert change.data["changes"] == [{"field": "kind", "old": "modification", "new": "training"}]
    assert change.data["clocks"] == [
        {"code": "common.feasibility", "event": "cancelled"},
        {"code": "common.training-plan", "event": "started", "due_at": "2026-09-28T15:00:00+09:00"},
    ]
    with translation.override("ko"):
        assert activity_words(change).lines == (
            "유형: 수정 → 교육",
            "사유: misfiled",
            "기한: common.feasibility 취소(더 이상 적용 대상 아님); "
            "common.training-plan 시작, 기한 2026-09-28 (월요일) 15:00",
        )
    request.refresh_from_db()
    assert request.kind == "training"
    assert request.version == 2


def test_moving_division_recomputes_on_the_exchange_calendar(staff):
    # XKRX closes on Dec 31 (KR does not): Wed 30 Dec 15:00 + 9 h → Mon 4 Jan 15:00 on the
    # exchange calendar (Dec 31, Jan 1, weekend skipped), Thu 31 Dec 15:00 on the public one.
    admin = UserFactory(is_superuser=True)
    with at(2026, 12, 30, 15, 0):
        request = new_request(admin)
        assert clock(request, "common.feasibility").due_at == kst(2026, 12, 31, 15, 0)
        cases.request_update(
            request, actor=admin, division=market_division(), reason="Market's system"
        )

    moved = clock(request, "common.feasibility")
    assert moved.due_at == kst(2027, 1, 4, 15, 0)
    assert moved.division.code == "market"
    request.refresh_from_db()
    assert request.team.code == "market-it-infra"
    assert request.next_due_at == kst(2027, 1, 4, 15, 0)


def test_recomputing_keeps_the_paused_time(staff):
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff)  # due Mon 9:00 + 9 h = Mon 18:00
    with at(2026, 9, 21, 12, 0):
        cases.request_set_status(request, actor=staff, status="waiting")
    with at(2026, 9, 21, 14, 0):
        cases.request_set_status(request, actor=staff, status="in_progress")
    assert clock(request, "common.feasibility").due_at == kst(2026, 9, 22, 11, 0)
    with at(2026, 9, 21, 15, 0):
        cases.request_update(request, actor=staff, priority="high", reason="customer escalated")

    recomputed = clock(request, "common.feasibility")
    assert recomputed.paused_total == timedelta(hours=2)
    assert recomputed.due_at == kst(2026, 9, 22, 11, 0)
    assert recomputed.events.filter(kind="recomputed").exists()


def test_met_and_breached_clocks_are_never_rewritten(staff):
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff, kind="new_development")
    with at(2026, 9, 21, 10, 0):
        cases.request_communicate(
            request, actor=staff, purpose="feasibility", channel="phone", summary="Feasible."
        )
    met = clock(request, "common.feasibility")
    with at(2026, 9, 21, 11, 0):
        cases.request_update(request, actor=staff, kind="screen_change")

    again = clock(request, "common.feasibility")
    assert again.pk == met.pk
    assert (again.state, again.due_at, again.stopped_at) == ("met", met.due_at, met.stopped_at)
    assert clock(request, "common.review-result").state == "cancelled"


def test_setting_an_expected_completion_later_starts_progress_from_the_change(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    with at(2026, 10, 5, 10, 0):
        cases.request_update(request, actor=staff, expected_completion=date(2026, 12, 31))

    assert clock(request, "common.progress-15d").due_at == kst(2026, 10, 20, 10, 0)


def test_moving_the_requested_date_moves_the_clock_and_clearing_it_cancels_it(staff):
    with at(2026, 9, 21, 10, 0):
        request = new_request(staff, kind="institutional_change", requested_due=date(2026, 10, 8))
        cases.request_update(request, actor=staff, requested_due=date(2026, 10, 15))
        assert clock(request, "common.institutional-change").due_at == kst(2026, 10, 15, 18, 0)
        cases.request_update(request, actor=staff, requested_due=None)

    assert clock(request, "common.institutional-change").state == "cancelled"


def test_an_edit_on_an_old_version_is_refused(staff):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        cases.request_update(request, actor=staff, version=1, subject="First edit")
        with pytest.raises(StaleEdit) as caught:
            cases.request_update(request, actor=staff, version=1, subject="Second edit")

    assert "version" in caught.value.message_dict
    request.refresh_from_db()
    assert request.subject == "First edit"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"subject": ""}, "subject"),
        ({"tracking_code": "X"}, "tracking_code"),
        ({"expected_completion": date(2026, 9, 1)}, "expected_completion"),
        ({"team": "market-it-infra"}, "team"),
    ],
)
def test_bad_changes_are_field_errors(staff, changes, field):
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
        with pytest.raises(DeskError) as caught:
            cases.request_update(request, actor=staff, **rows(**changes))

    assert field in caught.value.message_dict


def test_moving_division_takes_every_clock_along_whatever_its_state(staff):
    admin = UserFactory(is_superuser=True)
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff, kind="new_development")
    with at(2026, 9, 21, 10, 0):
        cases.request_communicate(
            request, actor=staff, purpose="feasibility", channel="email", summary="Feasible."
        )
    with at(2026, 9, 21, 11, 0):
        cases.request_update(request, actor=staff, kind="screen_change")
    before = {
        c.pk: (c.state, c.due_at, c.stopped_at, c.events.count()) for c in clocks_all(request)
    }
    assert {state for state, *_ in before.values()} >= {"met", "cancelled"}

    with at(2026, 9, 21, 12, 0):
        cases.request_update(
            request, actor=admin, division=market_division(), reason="Market's system"
        )

    request.refresh_from_db()
    market = Division.objects.get(code="market")
    for moved in clocks_all(request):
        assert (moved.division, moved.team) == (market, request.team)
        if moved.pk in before and moved.state != "running":
            # History is only re-addressed: same due instant, state, stop and events.
            assert (
                moved.state,
                moved.due_at,
                moved.stopped_at,
                moved.events.count(),
            ) == before[moved.pk]


def test_a_breached_clock_moved_escalates_to_the_new_divisions_head(staff):
    admin = UserFactory(is_superuser=True)
    with at(2026, 9, 21, 9, 0):
        request = new_request(staff)  # feasibility due Mon 18:00
    sweep(now=kst(2026, 9, 21, 18, 1))  # breach and escalation-1, still in Infrastructure
    breached = clock(request, "common.feasibility")
    assert (breached.state, breached.stopped_at) == ("breached", None)
    events = breached.events.count()

    with at(2026, 9, 22, 10, 0):
        cases.request_update(
            request, actor=admin, division=market_division(), reason="Market's system"
        )
    moved = clock(request, "common.feasibility")
    assert (moved.state, moved.due_at, moved.stopped_at) == ("breached", breached.due_at, None)
    assert moved.events.count() == events
    assert moved.division.code == "market"

    sweep(now=kst(2026, 9, 23, 9, 0))  # one business day after due: escalation-2

    escalation = Notification.objects.filter(deadline=moved, step="escalation-2")
    assert escalation.exists()
    assert {n.recipient_user for n in escalation} == {Division.objects.get(code="market").head}


def clocks_all(request):
    return list(cases.request_clocks(request))


def market_division() -> Division:
    return Division.objects.get(code="market")
