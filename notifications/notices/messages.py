"""The words customers receive about a suspension: Korean, then English when given.

Instants are shown in Asia/Seoul, e.g. "2026년 10월 5일(월) 09:00" / "Mon 5 Oct 2026 09:00".
An SMS carries the essentials only (the gateway sends a long one as LMS)."""

from commitments.instant_words import en_instant, ko_instant
from notifications.notices.models import SuspensionCause, SuspensionPlan

KO_CAUSES = {
    SuspensionCause.MARKET_SYSTEM: "시장 시스템 변경",
    SuspensionCause.SERVICE_IMPROVEMENT: "서비스 개선",
    SuspensionCause.CUSTOMER_REQUEST: "고객 요청",
    SuspensionCause.REGULAR_CHECK: "정기 점검",
    SuspensionCause.OTHER: "기타",
}
EN_CAUSES = {
    SuspensionCause.MARKET_SYSTEM: "market system change",
    SuspensionCause.SERVICE_IMPROVEMENT: "service improvement",
    SuspensionCause.CUSTOMER_REQUEST: "customer request",
    SuspensionCause.REGULAR_CHECK: "regular check-up",
    SuspensionCause.OTHER: "other",
}
#: What the message announces: the first notice, a new window, a cancellation.
HEADINGS = {
    "published": ("[서비스 중단 안내]", "[Planned service suspension]"),
    "rescheduled": ("[서비스 중단 일정 변경]", "[Service suspension rescheduled]"),
    "cancelled": ("[서비스 중단 취소]", "[Service suspension cancelled]"),
}


def _cause(plan: SuspensionPlan, names: dict) -> str:
    if plan.cause == SuspensionCause.OTHER and plan.cause_other:
        return plan.cause_other
    return names.get(plan.cause, plan.cause)


def suspension_message(
    plan: SuspensionPlan, *, event: str, services: list, channel: str
) -> tuple[str, str]:
    """(subject, body) of the notice about ``event`` (published, rescheduled, cancelled)."""
    ko_heading, en_heading = HEADINGS[event]
    starts, ends = plan.starts_at, plan.ends_at
    window_ko = f"{ko_instant(starts, with_year=True)} ~ {ko_instant(ends, with_year=True)}"
    window_en = f"{en_instant(starts, with_year=True)} – {en_instant(ends, with_year=True)} (KST)"
    names_ko = ", ".join(service.name_ko for service in services)
    names_en = ", ".join(service.name_en for service in services)
    subject = f"{ko_heading} {plan.title_ko}"
    if channel == "sms":
        verb = "취소되었습니다" if event == "cancelled" else "중단됩니다"
        return (
            subject,
            f"{ko_heading} {names_ko} {window_ko} {verb}. 사유: {_cause(plan, KO_CAUSES)}",
        )
    ko = [
        f"{ko_heading} {plan.title_ko}",
        f"대상 서비스: {names_ko}",
        f"중단 일시: {window_ko}",
        f"사유: {_cause(plan, KO_CAUSES)}",
    ]
    if event == "cancelled":
        ko.append("위 서비스 중단은 취소되었습니다. 서비스는 평소대로 제공됩니다.")
    if plan.change_reason and event != "published":
        ko.append(f"변경 사유: {plan.change_reason}")
    ko += ["", plan.body_ko]
    en = [
        f"{en_heading} {plan.title_en or plan.title_ko}",
        f"Services: {names_en}",
        f"Window: {window_en}",
        f"Cause: {_cause(plan, EN_CAUSES)}",
    ]
    if event == "cancelled":
        en.append("This suspension is cancelled: the services run as usual.")
    if plan.change_reason and event != "published":
        en.append(f"Reason for the change: {plan.change_reason}")
    if plan.body_en:
        en += ["", plan.body_en]
    return subject, "\n".join(ko) + "\n\n" + "\n".join(en) + "\n"
