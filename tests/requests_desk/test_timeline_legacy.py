"""Timeline lines stored as words before they were data: migration 0009 reads the sentences it
knows, in Korean and in English, back into codes and values, and leaves the rest as stored."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import translation

from commitments.models import DeadlineEvent
from requests_desk.cases.timeline_words import activity_words, clock_event_words
from requests_desk.models import Activity
from tests.requests_desk.desk_support import clock, member_of, new_request
from tests.seoul import at

legacy = import_module("requests_desk.migrations.0009_timeline_as_data")

KOREAN_CHANGE = (
    "우선순위: normal → high; 완료 예정 일시: — → 2026-10-30\n"
    "사유: 고객 요청\n"
    "기한: common.feasibility 기한 변경: 2026-09-28 16:00 KST(기존 2026-09-28 15:00 KST); "
    "common.progress-15d 시작, 기한 2026-10-08 17:50 KST"
)
KOREAN_CHANGE_DATA = {
    "fields": ["priority", "expected_completion"],
    "reason": "고객 요청",
    "clocks": [
        "common.feasibility 기한 변경: 2026-09-28 16:00 KST(기존 2026-09-28 15:00 KST)",
        "common.progress-15d 시작, 기한 2026-10-08 17:50 KST",
    ],
}


def row(kind: str, text: str, data: dict | None = None, **more) -> dict:
    return {
        "kind": kind,
        "text": text,
        "data": data or {},
        "told_person": "",
        "actor_id": 1,
        "channel": "phone",
        **more,
    }


# --- Reading old lines back (pure functions) -------------------------------------------------


def test_a_korean_change_line_reads_back_into_fields_values_and_clock_moves():
    event, text, data = legacy.parse_activity(row("change", KOREAN_CHANGE, KOREAN_CHANGE_DATA))

    assert (event, text) == ("changed", "고객 요청")
    assert data["changes"] == [
        {"field": "priority", "old": "normal", "new": "high"},
        {"field": "expected_completion", "old": None, "new": "2026-10-30"},
    ]
    assert data["clocks"] == [
        {
            "code": "common.feasibility",
            "event": "recomputed",
            "due_at": "2026-09-28T16:00:00+09:00",
            "old_due_at": "2026-09-28T15:00:00+09:00",
        },
        {"code": "common.progress-15d", "event": "started", "due_at": "2026-10-08T17:50:00+09:00"},
    ]
    assert data["legacy_text"] == KOREAN_CHANGE
    assert "reason" not in data  # the reason is the line's text now


def test_an_english_change_line_reads_back_with_a_subject_that_holds_the_separators():
    text = (
        "subject: Fix A; B → C → Fix D; details changed; team: BCP → Network Support\n"
        "Clocks: common.feasibility cancelled (no longer owed)"
    )
    data = {
        "fields": ["subject", "body", "team"],
        "reason": "",
        "clocks": ["common.feasibility cancelled (no longer owed)"],
    }
    teams = {"BCP": {"id": 7, "name_ko": "BCP팀", "name_en": "BCP"}}

    event, typed, parsed = legacy.parse_activity(
        row("change", text, data), resolve=lambda field, shown: teams.get(shown)
    )

    assert (event, typed) == ("changed", "")
    assert parsed["changes"] == [
        # Two arrows: which one separates old from new cannot be told, so the words stay.
        {"field": "subject", "text": "subject: Fix A; B → C → Fix D"},
        {"field": "body"},
        {"field": "team", "old": teams["BCP"], "new": {"name": "Network Support"}},
    ]
    assert parsed["clocks"] == [{"code": "common.feasibility", "event": "cancelled"}]


@pytest.mark.parametrize(
    ("old", "event", "data"),
    [
        (row("note", "전화번호 채널로 요청을 접수함.", {"created": True}), "received", {}),
        (row("note", "Request received by E-mail.", {"created": True}), "received", {}),
        (
            row("note", "처리 담당자가 1시간 이내에 완료할 예정입니다.", {"under_an_hour": True}),
            "under_an_hour",
            {},
        ),
        (row("status", "고객 메시지로 다시 열렸습니다.", actor_id=None), "customer_reopened", {}),
        (
            row("status", "The customer wrote back: no longer waiting.", actor_id=None),
            "customer_wrote_back",
            {},
        ),
        (row("call", "Call from 김민수.", {"call": 3}), "call_from", {"caller_name": "김민수"}),
        (
            row("communication", "홍길동 님께 회신 전화함.", {"call": 3}, told_person="홍길동"),
            "called_back",
            {},
        ),
        (
            row("visit", "Visited; results explained to Kim.", {"visit": 2}, told_person="Kim"),
            "visited",
            {},
        ),
    ],
)
def test_the_portals_own_sentences_read_back_into_events_in_either_language(old, event, data):
    parsed_event, text, parsed = legacy.parse_activity(old)

    assert (parsed_event, text) == (event, "")
    assert parsed["legacy_text"] == old["text"]
    assert data.items() <= parsed.items()


def test_a_receipt_takes_its_channel_from_the_request():
    _event, _text, data = legacy.parse_activity(
        row("note", "Request received by Phone.", {"created": True}, channel="support_center")
    )

    assert data["channel"] == "support_center"


def test_an_unkind_service_report_keeps_the_occasion_as_the_customer_wrote_it():
    text = "불친절 신고가 접수되었습니다.\n발생 상황: 콜센터 통화\n두 번째 줄\n지목된 직원: 김철수"

    event, typed, data = legacy.parse_activity(row("note", text, {"unkind_report": True}))

    assert (event, typed) == ("unkind_reported", "콜센터 통화\n두 번째 줄")
    assert data["employee_name"] == "김철수"


def test_a_decision_keeps_the_managers_note_and_whether_the_reporter_was_told():
    text = (
        "Unkind-service report confirmed; gift coupon GC-ABCD-EFGH-JKMN issued.\n"
        "Note: checked the recording\n"
        "The reporter left no e-mail address and was not told."
    )
    data = {"unkind_report": 4, "decision": "confirmed", "coupon": "GC-ABCD-EFGH-JKMN"}

    event, typed, parsed = legacy.parse_activity(row("note", text, data))

    assert (event, typed) == ("unkind_confirmed", "checked the recording")
    assert parsed["reporter_told"] is False


@pytest.mark.parametrize(
    "old",
    [
        row("note", "Checked the logs."),  # typed by a person
        row("call", "Customer asks for the ISIN column", {"call": 3}),  # a call's summary
        row("change", "something else entirely", {"fields": ["priority"], "reason": ""}),
        row("change", "priority: low → high", {"fields": ["colour"], "reason": ""}),
        row("communication", "Called back about the spec.", {"call": 3}, told_person="Kim"),
    ],
)
def test_a_line_that_does_not_read_back_exactly_is_left_as_it_is(old):
    assert legacy.parse_activity(old) is None


@pytest.mark.parametrize(
    ("kind", "note", "change", "found"),
    [
        (
            "met",
            "feasibility communicated",
            None,
            {"code": "communicated", "purpose": "feasibility"},
        ),
        ("stopped_late", "under an hour", None, {"code": "under_an_hour"}),
        ("met", "resolved", None, {"code": "resolved"}),
        ("paused", "waiting on the customer", None, {"code": "waiting"}),
        ("resumed", "status in_progress", None, {"code": "status", "status": "in_progress"}),
        ("cancelled", "request closed", None, {"code": "request_closed"}),
        (
            "recomputed",
            "변경 항목: expected_completion, priority",
            None,
            {"code": "changed", "fields": ["expected_completion", "priority"], "reason": ""},
        ),
        (
            "cancelled",
            "changed: kind — no longer owed",
            None,
            {"code": "no_longer_owed", "fields": ["kind"], "reason": ""},
        ),
        (
            "recomputed",
            "misfiled",
            (["kind"], "misfiled"),
            {"code": "changed", "fields": ["kind"], "reason": "misfiled"},
        ),
    ],
)
def test_a_clock_notes_cause_reads_back_into_codes(kind, note, change, found):
    assert legacy.parse_clock_event(kind, note, change=change) == {"cause": found}


def test_the_sweeps_notes_read_back_into_whom_it_could_not_reach():
    note = (
        "no reachable team manager: told the division head; "
        "no on-call contact for this service outside working time"
    )

    assert legacy.parse_clock_event("escalated", note) == {
        "gaps": [
            {"role": "team_manager", "told": "division_head"},
            {"role": "on_call", "told": None},
        ]
    }
    assert legacy.parse_clock_event("escalated", "something new") is None
    assert legacy.parse_clock_event("error", "RuntimeError: boom") is None


# --- The migration on stored rows --------------------------------------------------------------


@pytest.fixture
def staff(charter):
    return member_of("net-support", "desk.staff")


def test_the_migration_rewrites_old_rows_keeps_their_words_and_leaves_the_rest(staff, client):
    with at(2026, 9, 23, 15, 0):
        case = new_request(staff)
    Activity.objects.filter(request=case).update(
        event="", text="전화번호 채널로 요청을 접수함.", data={"created": True}
    )
    change = Activity.objects.create(
        request=case, kind="change", actor=staff, text=KOREAN_CHANGE, data=KOREAN_CHANGE_DATA
    )
    odd = Activity.objects.create(
        request=case, kind="change", text="변경: 알 수 없는 형식", data={"fields": ["priority"]}
    )
    note = Activity.objects.create(request=case, kind="note", actor=staff, text="로그 확인함")
    started = clock(case, "common.feasibility").events.get(kind="started")
    old_event = DeadlineEvent.objects.create(
        deadline=started.deadline, kind="met", at=started.at, note="feasibility communicated"
    )

    legacy.forwards(apps, None)
    legacy.forwards(apps, None)  # a second run finds nothing more to do

    change.refresh_from_db()
    assert (change.event, change.text) == ("changed", "고객 요청")
    assert change.data["legacy_text"] == KOREAN_CHANGE
    received = Activity.objects.get(request=case, data__created=True)
    assert (received.event, received.data["channel"]) == ("received", "email")
    odd.refresh_from_db()
    assert (odd.event, odd.text, odd.data) == (
        "",
        "변경: 알 수 없는 형식",
        {"fields": ["priority"]},
    )
    note.refresh_from_db()
    assert (note.event, note.text, note.data) == ("", "로그 확인함", {})
    old_event.refresh_from_db()
    assert old_event.note == "feasibility communicated"  # kept as written
    assert old_event.data["cause"] == {"code": "communicated", "purpose": "feasibility"}
    with translation.override("en"):
        assert activity_words(change).lines[:2] == (
            "Priority: Normal → High",
            "Expected completion: — → 2026-10-30",
        )
        assert activity_words(received).lines == ("Request received by E-mail.",)
        assert activity_words(odd).text == "변경: 알 수 없는 형식"  # shown as it was stored
        assert clock_event_words(old_event).lines == ("Told the customer: Feasibility answer",)

    legacy.backwards(apps, None)

    change.refresh_from_db()
    assert (change.event, change.text) == ("", KOREAN_CHANGE)
    assert "legacy_text" not in change.data
