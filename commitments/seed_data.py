"""Seed data for the charter: calendars, divisions, teams, services, contacts and the catalogue.

Pure data, no Django imports: the ``seed_charter`` management command reads these lists and
creates or updates the rows idempotently (keyed on ``code`` / ``username``). Every person here is
a placeholder (obviously fictional names, ``example.com`` addresses, ``0000`` numbers); the real
contact table is the admins' to fill in.

``validate()`` asserts the data is self-consistent; the tests and the command may call it.
"""

from __future__ import annotations

# --------------------------------------------------------------------------------------------
# Vocabularies (SPEC §3 and §5)
# --------------------------------------------------------------------------------------------
from commitments.vocabulary import (
    BUSINESS_DAY_MINUTES,
    CHANNELS,
    DIVISION_CODES,
    OUTBOX_CHANNELS,
    PURPOSES,
    TARGET_KINDS,
)

STOP_STATUSES = ("", "resolved")

HOLIDAY_SOURCES = ("KR", "XKRX")

CONTACT_ROLES = ("primary", "deputy")


# --------------------------------------------------------------------------------------------
# Business calendars (working hours Mon–Fri 09:00–18:00 are added by the command)
# --------------------------------------------------------------------------------------------

CALENDARS = [
    {
        "code": "kr-public",
        "name_ko": "대한민국 공휴일",
        "name_en": "Public holidays (KR)",
        "holiday_source": "KR",
        "time_zone": "Asia/Seoul",
    },
    {
        "code": "krx-exchange",
        "name_ko": "한국거래소 휴장일",
        "name_en": "Korea Exchange closures (XKRX)",
        "holiday_source": "XKRX",
        "time_zone": "Asia/Seoul",
    },
]

DEFAULT_CALENDAR = "kr-public"

# --------------------------------------------------------------------------------------------
# Divisions (head offices); Market and Information follow the exchange calendar
# --------------------------------------------------------------------------------------------

DIVISIONS = [
    {
        "code": "market",
        "name_ko": "마켓본부",
        "name_en": "Market Head Office",
        "calendar": "krx-exchange",
        "description_ko": "증권·파생상품 시장의 IT 인프라를 운영합니다.",
        "description_en": "Operates the IT infrastructure for the securities and derivatives markets.",
        "head": {
            "username": "head.market",
            "first_name": "Placeholder",
            "last_name": "Market Head",
            "email": "head.market@example.com",
            "phone": "010-0000-0101",
        },
    },
    {
        "code": "information",
        "name_ko": "정보본부",
        "name_en": "Information Head Office",
        "calendar": "krx-exchange",
        "description_ko": "시세 등 거래정보 데이터와 CHECK 서비스를 제공합니다.",
        "description_en": "Provides trading-information (market) data and the CHECK service.",
        "head": {
            "username": "head.information",
            "first_name": "Placeholder",
            "last_name": "Information Head",
            "email": "head.information@example.com",
            "phone": "010-0000-0102",
        },
    },
    {
        "code": "financial",
        "name_ko": "금융본부",
        "name_en": "Financial Head Office",
        "calendar": "kr-public",
        "description_ko": "PowerBase와 퇴직연금 시스템을 운영합니다.",
        "description_en": "Runs PowerBase and the retirement pension systems.",
        "head": {
            "username": "head.financial",
            "first_name": "Placeholder",
            "last_name": "Financial Head",
            "email": "head.financial@example.com",
            "phone": "010-0000-0103",
        },
    },
    {
        "code": "infrastructure",
        "name_ko": "인프라본부",
        "name_en": "Infrastructure Head Office",
        "calendar": "kr-public",
        "description_ko": "증권 네트워크, 전자인증, 업무연속성(BCP) 서비스를 운영합니다.",
        "description_en": (
            "Runs the securities network, electronic certification and business continuity (BCP)"
            " services."
        ),
        "head": {
            "username": "head.infrastructure",
            "first_name": "Placeholder",
            "last_name": "Infrastructure Head",
            "email": "head.infrastructure@example.com",
            "phone": "010-0000-0104",
        },
    },
    {
        "code": "bizdev",
        "name_ko": "사업개발본부",
        "name_en": "Business Development and Marketing",
        "calendar": "kr-public",
        "description_ko": "신규 사업 개발과 마케팅을 담당합니다.",
        "description_en": "Develops new business and runs marketing.",
        "head": {
            "username": "head.bizdev",
            "first_name": "Placeholder",
            "last_name": "Business Development Head",
            "email": "head.bizdev@example.com",
            "phone": "010-0000-0105",
        },
    },
]

# --------------------------------------------------------------------------------------------
# Teams; every team has a placeholder manager (escalation level 1)
# --------------------------------------------------------------------------------------------


def _manager(team_code: str, label: str, number: int) -> dict:
    return {
        "username": f"mgr.{team_code}",
        "first_name": "Placeholder",
        "last_name": f"{label} Manager",
        "email": f"mgr.{team_code}@example.com",
        "phone": f"010-0000-02{number:02d}",
    }


TEAMS = [
    {
        "code": "market-it-infra",
        "division": "market",
        "name_ko": "증권·파생 IT인프라팀",
        "name_en": "IT Infrastructure for Securities and Derivatives",
        "manager": _manager("market-it-infra", "IT Infrastructure", 1),
    },
    {
        "code": "info-data",
        "division": "information",
        "name_ko": "정보데이터팀",
        "name_en": "Information Data",
        "manager": _manager("info-data", "Information Data", 2),
    },
    {
        "code": "info-check",
        "division": "information",
        "name_ko": "CHECK팀",
        "name_en": "CHECK",
        "manager": _manager("info-check", "CHECK", 3),
    },
    {
        "code": "fin-powerbase",
        "division": "financial",
        "name_ko": "PowerBase팀",
        "name_en": "PowerBase",
        "manager": _manager("fin-powerbase", "PowerBase", 4),
    },
    {
        "code": "fin-pension",
        "division": "financial",
        "name_ko": "퇴직연금팀",
        "name_en": "Retirement Pension",
        "manager": _manager("fin-pension", "Retirement Pension", 5),
    },
    {
        "code": "net-dev",
        "division": "infrastructure",
        "name_ko": "네트워크개발팀",
        "name_en": "Network Development Team",
        "manager": _manager("net-dev", "Network Development", 6),
    },
    {
        "code": "net-support",
        "division": "infrastructure",
        "name_ko": "네트워크지원팀",
        "name_en": "Network Support Team",
        "manager": _manager("net-support", "Network Support", 7),
    },
    {
        "code": "cert",
        "division": "infrastructure",
        "name_ko": "전자인증팀",
        "name_en": "Electronic Certification",
        "manager": _manager("cert", "Electronic Certification", 8),
    },
    {
        "code": "bcp",
        "division": "infrastructure",
        "name_ko": "BCP팀",
        "name_en": "BCP (Business Continuity)",
        "manager": _manager("bcp", "BCP", 9),
    },
    {
        "code": "bizdev",
        "division": "bizdev",
        "name_ko": "사업개발팀",
        "name_en": "Business Development",
        "manager": _manager("bizdev", "Business Development", 10),
    },
]

# --------------------------------------------------------------------------------------------
# Services: the network contact table (Infrastructure HO / Network) plus one line per other team
# --------------------------------------------------------------------------------------------

NETWORK_SERVICE_CODES = (
    "net-market-data",
    "net-trade-conclusions",
    "net-general-transmission",
    "net-powerbase-transmission",
    "net-internet",
    "net-maintenance",
)

SERVICES = [
    # The network contact table, published as the night/weekend emergency contact network.
    {
        "code": "net-market-data",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "증권망 서비스 — 정보·시세(UDP)",
        "name_en": "Securities Network Services — information and market price (UDP)",
        "representative_phone": "02-0000-1000",
    },
    {
        "code": "net-trade-conclusions",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "체결 서비스(IT-HUB)",
        "name_en": "Trade Conclusions (IT-HUB)",
        "representative_phone": "02-0000-1100",
    },
    {
        "code": "net-general-transmission",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "일반 전송(PassPort/DWDM)",
        "name_en": "General Transmission (PassPort/DWDM)",
        "representative_phone": "02-0000-1200",
    },
    {
        "code": "net-powerbase-transmission",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "PowerBase 전송",
        "name_en": "PowerBase Transmission",
        "representative_phone": "02-0000-1300",
    },
    {
        "code": "net-internet",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "인터넷 서비스",
        "name_en": "Internet Services",
        "representative_phone": "02-0000-1400",
    },
    {
        "code": "net-maintenance",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "유지보수 서비스",
        "name_en": "Maintenance Services",
        "representative_phone": "02-0000-1500",
    },
    # The network as a whole (scope of network.trouble-plan and network.emergency-contacts).
    {
        "code": "network",
        "division": "infrastructure",
        "team": "net-support",
        "name_ko": "증권 네트워크(전체)",
        "name_en": "Securities Network (all services)",
        "representative_phone": "02-0000-1600",
    },
    # One service line per other team.
    {
        "code": "market-it-infra",
        "division": "market",
        "team": "market-it-infra",
        "name_ko": "증권·파생 IT인프라",
        "name_en": "IT Infrastructure for Securities and Derivatives",
        "representative_phone": "02-0000-2000",
    },
    {
        "code": "info-data",
        "division": "information",
        "team": "info-data",
        "name_ko": "정보데이터 서비스",
        "name_en": "Information Data",
        "representative_phone": "02-0000-2100",
    },
    {
        "code": "info-check",
        "division": "information",
        "team": "info-check",
        "name_ko": "CHECK 서비스",
        "name_en": "CHECK",
        "representative_phone": "02-0000-2200",
    },
    {
        "code": "powerbase",
        "division": "financial",
        "team": "fin-powerbase",
        "name_ko": "PowerBase",
        "name_en": "PowerBase",
        "representative_phone": "02-0000-2300",
    },
    {
        "code": "retirement-pension",
        "division": "financial",
        "team": "fin-pension",
        "name_ko": "퇴직연금",
        "name_en": "Retirement Pension",
        "representative_phone": "02-0000-2400",
    },
    {
        "code": "e-certification",
        "division": "infrastructure",
        "team": "cert",
        "name_ko": "전자인증",
        "name_en": "Electronic Certification",
        "representative_phone": "02-0000-2500",
    },
    {
        "code": "bcp",
        "division": "infrastructure",
        "team": "bcp",
        "name_ko": "업무연속성(BCP)",
        "name_en": "Business Continuity (BCP)",
        "representative_phone": "02-0000-2600",
    },
    {
        "code": "bizdev",
        "division": "bizdev",
        "team": "bizdev",
        "name_ko": "사업개발·마케팅",
        "name_en": "Business Development and Marketing",
        "representative_phone": "02-0000-2700",
    },
]

# --------------------------------------------------------------------------------------------
# Contacts: placeholder people only. Each network service has a primary and a deputy; the
# deputy is on call for nights and weekends. Every other service line has one primary.
# --------------------------------------------------------------------------------------------


def _contact(service: str, number: int, role: str, on_call: bool, phone: str) -> dict:
    return {
        "service": service,
        "name": f"가상담당 {number:02d}",
        "title": "책임" if role == "primary" else "선임",
        "phone": phone,
        "mobile": "010" + phone[2:],
        "email": f"{service}.{role}@example.com",
        "role": role,
        "on_call": on_call,
    }


def _build_contacts() -> list[dict]:
    contacts: list[dict] = []
    number = 0
    for service in SERVICES:
        base = service["representative_phone"][:-1]  # "02-0000-100" -> 1001, 1002
        number += 1
        contacts.append(_contact(service["code"], number, "primary", False, base + "1"))
        if service["code"] in NETWORK_SERVICE_CODES or service["code"] == "network":
            number += 1
            contacts.append(_contact(service["code"], number, "deputy", True, base + "2"))
        elif service["code"] == "bcp":
            # BCP trouble clocks run 24x7: its only contact is on call.
            contacts[-1]["on_call"] = True
    return contacts


CONTACTS = _build_contacts()

# --------------------------------------------------------------------------------------------
# The commitment catalogue: every row of SPEC §4, in the table's order
# --------------------------------------------------------------------------------------------

DEFAULT_REMINDER_PERCENTS = [50, 80]
DEFAULT_ESCALATION_LEVELS = 2


#: Clocks stopped by an act on their own record (the training session held), not a request's.
RECORD_STOPPED = {"common.training-day"}


def _commitment(
    code: str,
    *,
    title_ko: str,
    title_en: str,
    promise_ko: str,
    promise_en: str,
    target_kind: str,
    stop_ko: str,
    stop_en: str,
    division: str | None = None,
    service: str | None = None,
    target_minutes: int | None = None,
    target_days: int | None = None,
    target_months: int | None = None,
    target_count: int | None = None,
    stop_purposes: list[str] | None = None,
    stop_channels: list[str] | None = None,
    stop_on_delivery: bool = False,
    stop_status: str = "",
    pause_on_waiting: bool = False,
    urgent: bool = False,
    reminder_percents: list[int] | None = None,
    escalation_levels: int | None = None,
) -> dict:
    is_rule = target_kind == "rule"
    is_per_call = target_kind == "per_call"
    if reminder_percents is None:
        reminder_percents = [] if (is_rule or is_per_call) else list(DEFAULT_REMINDER_PERCENTS)
    if escalation_levels is None:
        escalation_levels = 0 if (is_rule or is_per_call) else DEFAULT_ESCALATION_LEVELS
    return {
        "code": code,
        "division": division,
        "service": service,
        "title_ko": title_ko,
        "title_en": title_en,
        "promise_ko": promise_ko,
        "promise_en": promise_en,
        "target_kind": target_kind,
        "target_minutes": target_minutes,
        "target_days": target_days,
        "target_months": target_months,
        "target_count": target_count,
        "stop_ko": stop_ko,
        "stop_en": stop_en,
        "stop_purposes": list(stop_purposes or []),
        "stop_channels": list(stop_channels or []),
        "stop_on_delivery": stop_on_delivery,
        "stop_status": stop_status,
        "pause_on_waiting": pause_on_waiting,
        "urgent": urgent,
        "reminder_percents": list(reminder_percents),
        "escalation_levels": escalation_levels,
    }


COMMITMENTS = [
    # ---- Telephone and visits (company-wide) ----------------------------------------------
    _commitment(
        "phone.answer-3-rings",
        title_ko="전화벨 세 번 이내 응답",
        title_en="Answer within three rings",
        promise_ko=(
            "전화벨이 세 번 울리기 전에 받고, 소속과 성명을 밝히며 정중히 인사드리겠습니다."
        ),
        promise_en=(
            "We will answer the phone before it rings three times, stating our position and name"
            " with a greeting."
        ),
        target_kind="per_call",
        target_count=3,
        stop_ko="통화 기록(응답 전 벨 횟수 3회 이하이면 준수)",
        stop_en="call log (met when rings before pick-up ≤ 3)",
    ),
    _commitment(
        "phone.late-apology",
        title_ko="늦은 응답 시 사과 인사",
        title_en="Apology for a late answer",
        promise_ko=(
            "전화벨이 네 번을 넘게 울린 뒤 받을 때에는 “늦게 받아 죄송합니다”라고 먼저"
            " 사과드리겠습니다."
        ),
        promise_en=(
            'We will say "Sorry for the late response" whenever the phone rang more than four'
            " times before we answered."
        ),
        target_kind="per_call",
        target_count=4,
        stop_ko="통화 기록(벨 4회 초과 시 사과 여부 기록)",
        stop_en="call log (owed when rings > 4, met when the apology is recorded)",
    ),
    _commitment(
        "phone.absent-callback",
        title_ko="담당자 부재 시 대리 처리 또는 5분 이내 회신",
        title_en="Stand-in or call-back within 5 minutes when the person in charge is absent",
        promise_ko=(
            "담당자가 자리에 없을 때에는 다른 직원이 대신 처리하거나 5분 이내에 다시"
            " 전화드리겠습니다."
        ),
        promise_en=(
            "If the person in charge is absent, another employee will handle your call or we will"
            " call you back within 5 minutes."
        ),
        target_kind="elapsed",
        target_minutes=5,
        stop_ko="회신 전화 기록",
        stop_en="call-back recorded",
        stop_purposes=["callback"],
        # "다시 전화드리겠습니다": an e-mail, SMS or letter is not calling back.
        stop_channels=["phone"],
        urgent=True,
    ),
    _commitment(
        "phone.transfer-context",
        title_ko="전화 연결 전 용건 전달",
        title_en="Pass on the details before transferring",
        promise_ko=(
            "전화를 다른 담당자에게 연결할 때에는 고객께서 같은 말씀을 되풀이하지 않도록 용건을"
            " 먼저 전달하겠습니다."
        ),
        promise_en=(
            "Before transferring your call, we will pass on the details so that you need not"
            " repeat yourself."
        ),
        target_kind="rule",
        stop_ko="규칙: 이관 시 인계 메모 필수",
        stop_en="rule: a transfer needs a hand-off note",
    ),
    _commitment(
        "visit.appointment",
        title_ko="사전 약속에 의한 방문",
        title_en="Visits by prior appointment",
        promise_ko="고객을 방문할 때에는 반드시 사전에 약속하고, 고객께서 편하신 시간에 찾아뵙겠습니다.",
        promise_en="We will visit you only by prior appointment, at a time convenient for you.",
        target_kind="rule",
        stop_ko="규칙: 방문에는 합의된 약속 일시가 있어야 함",
        stop_en="rule: a visit has an agreed appointment",
    ),
    _commitment(
        "visit.explain-results",
        title_ko="방문 결과 설명 후 철수",
        title_en="Explain the results before leaving",
        promise_ko="방문 업무를 마치면 고객사 담당자께 결과를 설명드린 뒤 자리를 떠나겠습니다.",
        promise_en=(
            "Before leaving, we will explain the results of our visit to your person in charge."
        ),
        target_kind="rule",
        stop_ko="규칙: 방문 보고서에 결과를 설명받은 고객사 담당자 기재",
        stop_en="rule: the visit report names who was told",
    ),
    # ---- Requests (company-wide) -----------------------------------------------------------
    _commitment(
        "common.feasibility",
        title_ko="수정·개발 요청 수용 여부 통보",
        title_en="Feasibility of a modification request",
        promise_ko=(
            "고객의 수정, 신규 개발, 화면·기능 변경 요청에 대하여 규모와 소요 기간을 검토하여"
            " 1일 이내에 수용 여부를 알려드리겠습니다."
        ),
        promise_en=(
            "We will review the size and time of a modification, new development, screen or"
            " function request and inform you whether it is feasible within one business day."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="수용 여부 통보",
        stop_en="feasibility communicated",
        stop_purposes=["feasibility"],
        pause_on_waiting=True,
    ),
    _commitment(
        "common.access-rights",
        title_ko="화면 사용 권한 변경 처리",
        title_en="Screen access-rights change",
        promise_ko="화면 사용 권한 변경 요청은 1일 이내에 처리하고 그 결과를 알려드리겠습니다.",
        promise_en=(
            "We will process a change of screen access rights and inform you of the result within"
            " one business day."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="처리 결과 통보",
        stop_en="result communicated",
        stop_purposes=["result"],
        pause_on_waiting=True,
    ),
    _commitment(
        "common.review-result",
        title_ko="개발 요청 검토 결과 통보",
        title_en="Review result of a development request",
        promise_ko="개발 요청에 대해서는 담당 책임자가 1일 이내에 검토 결과를 알려드리겠습니다.",
        promise_en=(
            "The responsible person will inform you of the review result of your development"
            " request within one business day."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="검토 결과 통보",
        stop_en="result communicated",
        stop_purposes=["result"],
        pause_on_waiting=True,
    ),
    _commitment(
        "common.institutional-change",
        title_ko="신규·변경 기관 업무 변경 완료",
        title_en="Business modifications for new or changed institutions",
        promise_ko=(
            "신규 기관이나 변경된 기관에 따른 업무 변경은 고객께서 요청하신 일시까지"
            " 완료하겠습니다."
        ),
        promise_en=(
            "We will complete business modifications for new or changed institutions by the time"
            " you requested."
        ),
        target_kind="by_requested_date",
        stop_ko="처리 완료",
        stop_en="resolved",
        stop_status="resolved",
    ),
    _commitment(
        "common.progress-15d",
        title_ko="장기 처리 건 15일 주기 중간 진행 상황 안내",
        title_en="Interim progress every 15 days",
        promise_ko=("처리에 1개월 이상 걸리는 요청은 15일마다 중간 진행 상황을 알려드리겠습니다."),
        promise_en=(
            "When processing takes longer than a month, we will report interim progress to you"
            " every 15 days."
        ),
        target_kind="every",
        target_days=15,
        stop_ko="진행 상황 통보(예상 처리 기간이 1개월을 넘는 경우에만 적용)",
        stop_en="progress communicated (only when the expected duration exceeds one month)",
        stop_purposes=["progress"],
    ),
    _commitment(
        "common.support-eta",
        title_ko="고객지원센터 문의 처리 예정 시간 안내",
        title_en="Expected time for a support-center inquiry",
        promise_ko=(
            "고객지원센터로 접수된 문의는 즉시 처리하며, 처리에 1시간 이상 걸리는 경우에는"
            " 10분 이내에 처리 예정 시간을 알려드리겠습니다."
        ),
        promise_en=(
            "We will process a support-center inquiry at once; if it takes over an hour, we will"
            " inform you of the expected time within 10 minutes."
        ),
        target_kind="elapsed",
        target_minutes=10,
        stop_ko=(
            "처리 예정 시간 통보, 또는 담당자가 ‘1시간 이내 처리’를 기록"
            "(이 경우 처리 완료로만 멈추는 1시간 시계가 시작됨), 또는 즉시 처리 완료"
        ),
        stop_en=(
            'ETA communicated, or the handler records "under an hour" (which starts a 1-hour'
            " clock that only resolution stops), or the inquiry resolved at once"
        ),
        stop_purposes=["eta"],
        # An inquiry processed at once owes no expected time: resolving it within the
        # 10 minutes keeps the promise (later, it is a late stop like any other).
        stop_status="resolved",
        urgent=True,
    ),
    _commitment(
        "common.support-under-an-hour",
        title_ko="1시간 이내 처리 약속(고객지원센터)",
        title_en="Support-center inquiry handled within the hour",
        promise_ko=(
            "담당자가 ‘1시간 이내 처리’를 기록한 고객지원센터 문의는 1시간 안에 처리를"
            " 마치겠습니다."
        ),
        promise_en=(
            'When the handler records that a support-center inquiry takes "under an hour",'
            " we will finish it within that hour."
        ),
        target_kind="elapsed",
        target_minutes=60,
        stop_ko="처리 완료",
        stop_en="resolved",
        stop_status="resolved",
    ),
    _commitment(
        "common.suspension-notice",
        title_ko="서비스 중단 사전 공지",
        title_en="Advance notice of a planned service suspension",
        promise_ko=(
            "계획된 서비스 중단은 시작 7일 전까지 그 사유와 함께 화면 공지, 전자우편,"
            " 문자메시지, 문서 또는 전화로 알려드리겠습니다."
        ),
        promise_en=(
            "We will announce a planned service suspension and its cause 7 days before it starts,"
            " by screen notice, e-mail, SMS, documents or phone."
        ),
        target_kind="lead_time",
        target_days=7,
        stop_ko="중단 공지 게시 및 발송",
        stop_en="notice published and sent",
    ),
    _commitment(
        "common.training-plan",
        title_ko="교육 계획 수립 및 안내",
        title_en="Training plan",
        promise_ko=(
            "교육을 요청하시면 1일 이내에 교육 계획을 세워 알려드리고, 약속한 날짜에 교육을"
            " 실시하겠습니다."
        ),
        promise_en=(
            "We will set a training plan within one business day of a training request and train"
            " you on the promised day."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="교육 계획 통보",
        stop_en="plan communicated",
        stop_purposes=["plan"],
        pause_on_waiting=True,
    ),
    _commitment(
        "common.training-day",
        title_ko="약속한 날짜에 교육 실시",
        title_en="Training on the promised day",
        promise_ko="약속한 날짜에 교육을 실시하겠습니다.",
        promise_en="We will train you on the day we promised.",
        target_kind="by_requested_date",
        stop_ko="약속한 날짜에 교육 실시 기록",
        stop_en="session recorded as held on the promised day",
    ),
    _commitment(
        "common.homepage-input",
        title_ko="홈페이지 접수 사항 당일 처리",
        title_en="Same-day handling of homepage input",
        promise_ko="홈페이지를 통해 접수된 사항은 당일에 처리하겠습니다.",
        promise_en="We will process input received through the homepage on the same business day.",
        target_kind="same_business_day",
        stop_ko="첫 답변 통보(목적 무관)",
        stop_en="first answer communicated (any purpose)",
        stop_purposes=list(PURPOSES),
    ),
    # ---- Market Head Office ---------------------------------------------------------------
    _commitment(
        "market.business-review",
        division="market",
        title_ko="업무 검토 요청 처리",
        title_en="Requested business review",
        promise_ko="요청하신 업무 검토는 7일 이내에 수행하여 그 결과를 알려드리겠습니다.",
        promise_en=(
            "We will carry out a requested business review and inform you of the result within"
            " 7 days."
        ),
        target_kind="calendar_days",
        target_days=7,
        stop_ko="검토 결과 통보",
        stop_en="result communicated",
        stop_purposes=["result"],
        pause_on_waiting=True,
    ),
    _commitment(
        "market.delay-notice",
        division="market",
        title_ko="처리 지연 사전 안내",
        title_en="Advance notice of a delay",
        promise_ko=(
            "처리가 늦어질 것으로 예상되면 완료 예정일 3일 전까지 추가로 필요한 기간을"
            " 알려드리겠습니다."
        ),
        promise_en=(
            "If a delay is expected, we will tell you the extra time needed 3 days before the"
            " expected completion."
        ),
        target_kind="lead_time",
        target_days=3,
        stop_ko="지연 통보 또는 처리 완료",
        stop_en="delay communicated or resolved",
        stop_purposes=["delay"],
        stop_status="resolved",
    ),
    _commitment(
        "market.materials-owner",
        division="market",
        title_ko="제공 자료 문의는 제공 담당자가 답변",
        title_en="Questions on delivered materials answered by their owner",
        promise_ko="제공해 드린 자료에 대한 문의는 그 자료를 제공한 담당자가 직접 답변드리겠습니다.",
        promise_en=(
            "Questions on the materials we delivered will be answered by the person who delivered"
            " them."
        ),
        target_kind="rule",
        stop_ko="규칙: 자료 제공 담당자에게 배정",
        stop_en="rule: routed to the delivery owner",
    ),
    # ---- Information Head Office ------------------------------------------------------------
    _commitment(
        "info.problem-10min",
        division="information",
        title_ko="신속 서비스 데이터 이상 10분 이내 통보",
        title_en="Prompt-service data problem notice within 10 minutes",
        promise_ko=(
            "신속 서비스 데이터에 문제가 생기면 발견 후 10분 이내에 고객사 담당자께"
            " 알려드리겠습니다."
        ),
        promise_en=(
            "We will tell your person in charge of any problem in prompt-service data within"
            " 10 minutes of its detection."
        ),
        target_kind="elapsed",
        target_minutes=10,
        stop_ko="문제 발생 통보(조치 계획 통보로 기록; 문자·메일은 게이트웨이 접수 시)",
        stop_en=(
            "problem communicated (recorded as a trouble-plan communication; an SMS or e-mail"
            " once the gateway accepts it)"
        ),
        stop_purposes=["plan"],
        stop_on_delivery=True,
        urgent=True,
    ),
    _commitment(
        "info.spec-announcement",
        division="information",
        title_ko="거래정보 명세 공지",
        title_en="Trading-information specification announcement",
        promise_ko=("완성된 거래정보 명세서는 당일 ‘koscomDATA 공지사항’ 게시판에 게시하겠습니다."),
        promise_en=(
            "We will post completed trading-information specifications on the"
            ' "koscomDATA Announcement" board the same business day.'
        ),
        target_kind="same_business_day",
        stop_ko="공지 게시",
        stop_en="announcement published",
    ),
    # ---- Financial Head Office ----------------------------------------------------------------
    _commitment(
        "finance.test-owner",
        division="financial",
        service="powerbase",
        title_ko="테스트 담당자 지정 안내",
        title_en="Test owner appointment",
        promise_ko=(
            "내부 테스트와 고객 테스트마다 테스트 담당자를 지정하여 테스트 시작 후 1일 이내에"
            " 알려드리겠습니다."
        ),
        promise_en=(
            "For internal and customer tests, we will appoint the test person in charge and tell"
            " you who it is within one business day of the test start."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="테스트 담당자 통보(테스트 계획 통보로 기록)",
        stop_en="owner communicated (recorded as a plan communication)",
        stop_purposes=["plan"],
    ),
    _commitment(
        "finance.test-report",
        division="financial",
        service="powerbase",
        title_ko="테스트 결과 보고",
        title_en="Test result report",
        promise_ko=(
            "테스트가 끝나면 1일 이내에 오류 내역과 결과를 고객 보고서로 보고드리겠습니다."
        ),
        promise_en=(
            "We will report test results (errors and outcomes) by customer report within one"
            " business day of the test end."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="테스트 결과 보고서 통보",
        stop_en="report communicated",
        stop_purposes=["result"],
    ),
    _commitment(
        "finance.pension-callback",
        division="financial",
        service="retirement-pension",
        title_ko="퇴직연금 담당자 1시간 이내 회신",
        title_en="Retirement pension call-back within an hour",
        promise_ko=(
            "다른 직원이 전화를 대신 받은 경우 담당자가 1시간 이내에 다시 전화드리겠습니다."
        ),
        promise_en=(
            "When another employee takes your call, the responsible person will call you back"
            " within an hour."
        ),
        target_kind="elapsed",
        target_minutes=60,
        stop_ko="회신 전화 기록",
        stop_en="call-back recorded",
        stop_purposes=["callback"],
    ),
    _commitment(
        "finance.pension-schedule",
        division="financial",
        service="retirement-pension",
        title_ko="퇴직연금 요청 처리 일정·범위 안내",
        title_en="Schedule and scope of a retirement pension request",
        promise_ko="요청하신 사항의 처리 일정과 범위를 3일 이내에 알려드리겠습니다.",
        promise_en=(
            "We will inform you of the schedule and scope of your request within three business"
            " days."
        ),
        target_kind="business_hours",
        target_minutes=3 * BUSINESS_DAY_MINUTES,
        stop_ko="처리 일정 통보",
        stop_en="schedule communicated",
        stop_purposes=["schedule"],
        pause_on_waiting=True,
    ),
    # ---- Infrastructure Head Office -------------------------------------------------------------
    _commitment(
        "network.trouble-plan",
        division="infrastructure",
        service="network",
        title_ko="네트워크 장애 조치 계획 30분 이내 통보",
        title_en="Network trouble plan within 30 minutes",
        promise_ko=(
            "네트워크 장애가 접수되면 30분 이내에 장애 처리 예정 시간과 조치 계획을"
            " 알려드리겠습니다."
        ),
        promise_en=(
            "We will tell you the trouble handling time and plan within 30 minutes of your"
            " trouble report."
        ),
        target_kind="elapsed",
        target_minutes=30,
        stop_ko="조치 계획 통보(문자·메일은 게이트웨이 접수 시)",
        stop_en="plan communicated (an SMS or e-mail once the gateway accepts it)",
        stop_purposes=["plan"],
        stop_on_delivery=True,
        urgent=True,
    ),
    _commitment(
        "network.emergency-contacts",
        division="infrastructure",
        service="network",
        title_ko="야간·휴일 비상연락망 게시",
        title_en="Night and weekend emergency contact network",
        promise_ko="야간과 주말·휴일의 비상연락망을 홈페이지에 게시하겠습니다.",
        promise_en=(
            "We will publish the night and weekend emergency contact network on the homepage."
        ),
        target_kind="rule",
        stop_ko="규칙: 공개 페이지에 현재 비상 당직 연락처를 항상 게시",
        stop_en="rule: the public page always shows the current on-call table",
    ),
    _commitment(
        "cert.renewal-notice",
        division="infrastructure",
        service="e-certification",
        title_ko="인증서 갱신 사전 안내",
        title_en="Certificate renewal notice",
        promise_ko=(
            "인증서 만료 1개월 전에 전자우편, 전화 또는 문자메시지로 갱신 방법을"
            " 안내해 드리겠습니다."
        ),
        promise_en=(
            "We will send you renewal guidance by e-mail, phone or SMS one month before your"
            " certificate expires."
        ),
        target_kind="lead_time",
        target_months=1,
        stop_ko="갱신 안내 발송",
        stop_en="renewal guidance sent (recorded as an 'other' communication)",
        stop_purposes=["other"],
        stop_channels=["email", "sms", "phone"],
        stop_on_delivery=True,
    ),
    _commitment(
        "bcp.trouble-sms",
        division="infrastructure",
        service="bcp",
        title_ko="장애 발생 30분 이내 문자 공지",
        title_en="Trouble announcement by SMS within 30 minutes",
        promise_ko="장애가 발생하면 30분 이내에 문자메시지로 알려드리겠습니다.",
        promise_en="We will announce any trouble to you by SMS within 30 minutes.",
        target_kind="elapsed",
        target_minutes=30,
        stop_ko="영향받는 고객에게 보낸 장애 공지 문자를 게이트웨이가 접수(전화·대기 중 문자는 해당 없음)",
        stop_en=(
            "the trouble SMS to the affected customers accepted by the gateway (not a phone call,"
            " not a queued SMS)"
        ),
        stop_purposes=["plan"],
        stop_channels=["sms"],
        stop_on_delivery=True,
        urgent=True,
    ),
    _commitment(
        "bcp.trouble-result",
        division="infrastructure",
        service="bcp",
        title_ko="장애 처리 결과 3시간 이내 통보",
        title_en="Trouble result within three hours",
        promise_ko="장애 처리 결과를 3시간 이내에 알려드리겠습니다.",
        promise_en="We will inform you of the process results within three hours.",
        target_kind="elapsed",
        target_minutes=180,
        stop_ko="같은 고객에게 처리 결과 통보(문자·메일은 게이트웨이 접수 시)",
        stop_en="result told to the same customers (an SMS or e-mail once the gateway accepts it)",
        stop_purposes=["result"],
        stop_channels=["sms", "email", "phone"],
        stop_on_delivery=True,
    ),
    _commitment(
        "bcp.handover",
        division="infrastructure",
        service="bcp",
        title_ko="담당자 변경 시 병행 운영 및 모의훈련 결과 보고",
        title_en="Parallel operation and drill report on a personnel change",
        promise_ko=(
            "담당자가 바뀔 때에는 최소 1개월간 병행 운영한 뒤 모의훈련을 실시하여 그 측정"
            " 결과를 보고드리겠습니다."
        ),
        promise_en=(
            "On a personnel change, we will run at least one month of parallel operation and then"
            " report the measured result of a simulated drill."
        ),
        target_kind="calendar_days",
        target_months=1,
        stop_ko="모의훈련 결과 통보(최소 1개월 병행 운영 후)",
        stop_en="drill result communicated (after at least one month of parallel operation)",
        stop_purposes=["result"],
    ),
    _commitment(
        "bcp.materials-3d",
        division="infrastructure",
        service="bcp",
        title_ko="타 부서 관련 자료 요청 3일 이내 처리",
        title_en="Materials involving other departments within three days",
        promise_ko=(
            "다른 부서가 관련된 자료 요청은 3일 이내에 처리하고, 늦어질 경우에는 진행 상황과"
            " 예정일을 알려드리겠습니다."
        ),
        promise_en=(
            "We will process requests for materials involving other departments within three"
            " business days; if late, we will inform you of the progress and the expected date."
        ),
        target_kind="business_hours",
        target_minutes=3 * BUSINESS_DAY_MINUTES,
        stop_ko="자료 제공 또는 지연 통보",
        stop_en="materials delivered (result) or delay communicated",
        stop_purposes=["result", "delay"],
        pause_on_waiting=True,
    ),
    # ---- Business Development --------------------------------------------------------------------
    _commitment(
        "bizdev.callback-1h",
        division="bizdev",
        title_ko="상담 인계 후 1시간 이내 연락",
        title_en="Call-back within an hour after a colleague took the call",
        promise_ko=(
            "다른 직원이 전화를 받은 경우 상담 내용을 담당자에게 전달하여 1시간 이내에"
            " 연락드리겠습니다."
        ),
        promise_en=(
            "When a colleague takes your call, we will pass the consultation on and contact you"
            " within an hour."
        ),
        target_kind="elapsed",
        target_minutes=60,
        stop_ko="회신 전화 기록",
        stop_en="call-back recorded",
        stop_purposes=["callback"],
    ),
    _commitment(
        "bizdev.feedback-1w",
        division="bizdev",
        title_ko="내부 검토 요청 1주일 이내 회신",
        title_en="Feedback within a week",
        promise_ko="내부 검토가 필요한 요청에 대해서는 1주일 이내에 검토 의견을 알려드리겠습니다.",
        promise_en="We will give you feedback within a week on a request that needs internal review.",
        target_kind="calendar_days",
        target_days=7,
        stop_ko="검토 의견 통보",
        stop_en="feedback communicated",
        stop_purposes=["feedback"],
        pause_on_waiting=True,
    ),
    # ---- Voice of the customer (company-wide) ---------------------------------------------
    _commitment(
        "voice.complaint-feedback",
        title_ko="불만 처리 결과에 대한 팀장 피드백",
        title_en="Manager feedback on every complaint",
        promise_ko="접수된 모든 불만에 대하여 팀장이 처리 결과를 확인하고 피드백해 드리겠습니다.",
        promise_en=(
            "Team managers will give feedback on the process result of every complaint we receive."
        ),
        target_kind="business_hours",
        target_minutes=BUSINESS_DAY_MINUTES,
        stop_ko="팀장 피드백 기록 및 통보",
        stop_en="manager feedback recorded and communicated",
        stop_purposes=["feedback"],
        pause_on_waiting=True,
    ),
    _commitment(
        "voice.unkind-report",
        title_ko="불친절 신고 고객 포상",
        title_en="Gift coupon for confirmed unkind-service reports",
        promise_ko="불친절 사례를 신고해 주신 고객께는 사실 확인 후 상품권을 드리겠습니다.",
        promise_en=(
            "We will give a gift coupon to every customer whose report of unkind service is"
            " confirmed."
        ),
        target_kind="rule",
        stop_ko="규칙: 신고 확인 시 상품권 지급 기록 생성",
        stop_en="rule: confirmation issues a coupon record",
    ),
    _commitment(
        "voice.survey-publish",
        title_ko="고객만족도 조사 결과 공개",
        title_en="Customer-satisfaction survey results published",
        promise_ko=(
            "고객만족도 조사와 전화 모니터링을 실시하고 그 결과를 홈페이지에 공개하겠습니다."
        ),
        promise_en=(
            "We will carry out customer-satisfaction surveys and phone monitoring and publish the"
            " results on the homepage."
        ),
        target_kind="rule",
        stop_ko="규칙: 기간별 조사 결과 공개 페이지",
        stop_en="rule: published results page per period",
    ),
]

# --------------------------------------------------------------------------------------------
# Self-check
# --------------------------------------------------------------------------------------------

COMMITMENT_KEYS = (
    "code",
    "division",
    "service",
    "title_ko",
    "title_en",
    "promise_ko",
    "promise_en",
    "target_kind",
    "target_minutes",
    "target_days",
    "target_months",
    "target_count",
    "stop_ko",
    "stop_en",
    "stop_purposes",
    "stop_channels",
    "stop_on_delivery",
    "stop_status",
    "pause_on_waiting",
    "urgent",
    "reminder_percents",
    "escalation_levels",
)

_TARGET_FIELDS = ("target_minutes", "target_days", "target_months", "target_count")


def _unique(codes: list[str], what: str) -> set[str]:
    seen = set(codes)
    assert len(seen) == len(codes), f"duplicate {what} codes: {sorted(codes)}"
    return seen


def _check_person(person: dict, where: str) -> None:
    for key in ("username", "first_name", "last_name", "email", "phone"):
        assert person.get(key), f"{where}: missing {key}"
    assert person["email"].endswith("@example.com"), f"{where}: e-mail must be example.com"
    assert "-0000-" in person["phone"], f"{where}: phone must be a placeholder number"


def validate() -> None:
    """Assert the seed data is complete and self-consistent (raises AssertionError)."""
    calendars = _unique([c["code"] for c in CALENDARS], "calendar")
    assert DEFAULT_CALENDAR in calendars
    for cal in CALENDARS:
        assert cal["holiday_source"] in HOLIDAY_SOURCES, cal["code"]
        assert cal["time_zone"] == "Asia/Seoul", cal["code"]

    divisions = _unique([d["code"] for d in DIVISIONS], "division")
    assert divisions == set(DIVISION_CODES), divisions
    exchange = {"market", "information"}
    for div in DIVISIONS:
        assert div["calendar"] in calendars, div["code"]
        expected = "krx-exchange" if div["code"] in exchange else "kr-public"
        assert div["calendar"] == expected, div["code"]
        _check_person(div["head"], f"division {div['code']} head")

    teams = _unique([t["code"] for t in TEAMS], "team")
    team_division = {t["code"]: t["division"] for t in TEAMS}
    for team in TEAMS:
        assert team["division"] in divisions, team["code"]
        _check_person(team["manager"], f"team {team['code']} manager")
    assert {t["division"] for t in TEAMS} == divisions, "every division needs a team"
    usernames = [d["head"]["username"] for d in DIVISIONS] + [
        t["manager"]["username"] for t in TEAMS
    ]
    _unique(usernames, "username")

    services = _unique([s["code"] for s in SERVICES], "service")
    service_division = {s["code"]: s["division"] for s in SERVICES}
    for svc in SERVICES:
        assert svc["division"] in divisions, svc["code"]
        assert svc["team"] in teams, svc["code"]
        assert team_division[svc["team"]] == svc["division"], svc["code"]
        assert svc["representative_phone"].startswith("02-0000-"), svc["code"]
    assert set(NETWORK_SERVICE_CODES) <= services

    for contact in CONTACTS:
        assert contact["service"] in services, contact
        assert contact["role"] in CONTACT_ROLES, contact
        assert contact["email"].endswith("@example.com"), contact
        assert "-0000-" in contact["phone"] and "-0000-" in contact["mobile"], contact
        assert isinstance(contact["on_call"], bool), contact
    for code in NETWORK_SERVICE_CODES:
        mine = [c for c in CONTACTS if c["service"] == code]
        assert {c["role"] for c in mine} == {"primary", "deputy"}, code
        assert any(c["on_call"] for c in mine), f"{code}: nobody on call"

    # The charter's 36 rows, the one-hour clock its "under an hour" answer starts, and the
    # training day its training promise names (common.training-day).
    assert len(COMMITMENTS) == 38, len(COMMITMENTS)
    _unique([c["code"] for c in COMMITMENTS], "commitment")
    for c in COMMITMENTS:
        code = c["code"]
        assert tuple(c) == COMMITMENT_KEYS, f"{code}: keys {tuple(c)}"
        for key in ("title_ko", "title_en", "promise_ko", "promise_en", "stop_ko", "stop_en"):
            assert c[key], f"{code}: empty {key}"
        assert c["division"] is None or c["division"] in divisions, code
        if c["service"] is not None:
            assert c["service"] in services, code
            assert service_division[c["service"]] == c["division"], code
        kind = c["target_kind"]
        assert kind in TARGET_KINDS, f"{code}: kind {kind}"
        assert set(c["stop_purposes"]) <= set(PURPOSES), code
        assert set(c["stop_channels"]) <= set(CHANNELS), code
        if c["stop_channels"] and c["stop_on_delivery"]:
            assert set(c["stop_channels"]) & set(OUTBOX_CHANNELS), f"{code}: nothing delivered"
        assert c["stop_status"] in STOP_STATUSES, code
        assert all(0 < p < 100 for p in c["reminder_percents"]), code
        assert c["reminder_percents"] == sorted(set(c["reminder_percents"])), code
        assert 0 <= c["escalation_levels"] <= 2, code

        present = {f for f in _TARGET_FIELDS if c[f] is not None}
        for f in present:
            assert isinstance(c[f], int) and c[f] > 0, f"{code}: {f}={c[f]!r}"
        if kind in ("elapsed", "business_hours"):
            assert present == {"target_minutes"}, f"{code}: {present}"
        elif kind in ("calendar_days", "lead_time"):
            assert present in ({"target_days"}, {"target_months"}), f"{code}: {present}"
        elif kind == "every":
            assert present == {"target_days"}, f"{code}: {present}"
        elif kind == "per_call":
            assert present == {"target_count"}, f"{code}: {present}"
        else:  # same_business_day, by_requested_date, rule
            assert not present, f"{code}: {present}"

        if kind == "rule":
            assert not c["stop_purposes"] and not c["stop_status"], code
            assert c["reminder_percents"] == [] and c["escalation_levels"] == 0, code
            assert not c["pause_on_waiting"] and not c["urgent"], code
        elif kind == "per_call":
            assert not c["stop_purposes"] and not c["stop_status"], code
        elif kind not in ("lead_time", "same_business_day") and code not in RECORD_STOPPED:
            # Apart from notices and records (their own act stops them), something must stop
            # a clock.
            assert c["stop_purposes"] or c["stop_status"], f"{code}: nothing stops it"
        if kind in ("elapsed", "lead_time", "by_requested_date", "same_business_day"):
            assert not c["pause_on_waiting"], f"{code}: this kind does not pause"
        is_short_elapsed = kind == "elapsed" and c["target_minutes"] <= 30
        assert c["urgent"] == is_short_elapsed, f"{code}: urgent={c['urgent']}"


if __name__ == "__main__":  # pragma: no cover
    validate()
    print(f"{len(COMMITMENTS)} commitments OK")
