"""The customer's voice, manager side: deciding unkind-service reports (a confirmation earns
the reporter a gift coupon, ``voice.unkind-report``) and acknowledging commendations.

A decision is taken once: the report's row is locked and a second decision is refused, so two
managers pressing "confirm" at the same moment issue one coupon between them.
"""

import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import divisions_of, is_manager, may_see_division
from commitments.subjects import REQUEST_SUBJECT
from notifications.outbox import notification_enqueue
from requests_desk.cases._common import user_of
from requests_desk.cases.customers import customer_language
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import Activity, ActivityEvent, ActivityKind
from requests_desk.models.requests import TRACKING_ALPHABET
from requests_desk.models.voice import (
    Commendation,
    CommendationState,
    GiftCoupon,
    ReportState,
    UnkindServiceReport,
)

# "GC-" and three groups of four: 31^12 ≈ 8·10^17 codes, read out without confusion.
COUPON_PREFIX = "GC"
COUPON_GROUPS = 3
COUPON_GROUP_LENGTH = 4


def new_coupon_code() -> str:
    groups = (
        "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(COUPON_GROUP_LENGTH))
        for _ in range(COUPON_GROUPS)
    )
    return "-".join((COUPON_PREFIX, *groups))


# --- who may decide -----------------------------------------------------------------------


def unkind_reports_for(user) -> QuerySet[UnkindServiceReport]:
    """The reports a manager may read and decide: those of their divisions (admins: all)."""
    reports = UnkindServiceReport.objects.select_related(
        "division",
        "request__customer__organisation",
        "request__submission",
        "decided_by",
        "coupon",
    )
    if not is_manager(user):
        return reports.none()
    divisions = divisions_of(user)
    return reports if divisions is None else reports.filter(division_id__in=divisions)


def commendations_for(user) -> QuerySet[Commendation]:
    """Commendations routed to ``user`` and those of the divisions they manage (admins: all)."""
    commendations = Commendation.objects.select_related("division", "team", "employee", "routed_to")
    if not is_manager(user):
        return commendations.none()
    divisions = divisions_of(user)
    if divisions is None:
        return commendations
    return commendations.filter(Q(routed_to=user) | Q(division_id__in=divisions))


# --- unkind-service reports -----------------------------------------------------------------


def unkind_report_confirm(
    report: UnkindServiceReport, *, actor, note: str = ""
) -> UnkindServiceReport:
    """Confirm the report: a gift coupon is issued to the reporter, who is told by e-mail."""
    return _decide(report, actor=actor, state=ReportState.CONFIRMED, note=note)


def unkind_report_reject(report: UnkindServiceReport, *, actor, note: str) -> UnkindServiceReport:
    """Reject the report (a note saying why is required); the reporter is told politely."""
    return _decide(report, actor=actor, state=ReportState.REJECTED, note=note)


def _decide(report: UnkindServiceReport, *, actor, state: str, note: str) -> UnkindServiceReport:
    """1. A rejection says why; 2. lock the report and refuse it if it is decided already or
    the actor may not decide it; 3. record the decision (kept only if the report's rules pass),
    its coupon, the timeline line and the message to the reporter, all in one transaction."""
    note = note.strip()
    if state == ReportState.REJECTED and not note:
        raise DeskError({"note": [_("This field is required.")]})
    now = timezone.now()
    with transaction.atomic():
        locked = (
            UnkindServiceReport.objects.select_for_update(of=("self",))
            .select_related("request__customer", "division")
            .get(pk=report.pk)
        )
        if not (is_manager(actor) and may_see_division(actor, locked.division_id)):
            raise DeskError(
                {"__all__": [_("Only a manager of the report's division may decide it.")]}
            )
        if locked.state != ReportState.PENDING:
            raise DeskError(
                {
                    "__all__": [
                        _(
                            "This report was already decided (%(state)s, %(at)s);"
                            " it cannot be decided twice."
                        )
                        % {
                            "state": locked.get_state_display(),
                            "at": timezone.localtime(locked.decided_at).strftime("%Y-%m-%d %H:%M"),
                        }
                    ]
                }
            )
        locked.state = state
        locked.decided_by = actor
        locked.decided_at = now
        locked.decision_note = note
        full_clean(locked, rename={"decision_note": "note"})
        locked.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
        request = locked.request
        coupon = None
        if state == ReportState.CONFIRMED:
            coupon = _coupon_issue(locked, actor=actor, now=now)
        told = _reporter_tell(locked, coupon=coupon)
        Activity.objects.create(
            request=request,
            kind=ActivityKind.NOTE,
            event=ActivityEvent.UNKIND_CONFIRMED
            if coupon is not None
            else ActivityEvent.UNKIND_REJECTED,
            at=now,
            recorded_at=now,
            actor=actor,
            text=note,
            data={
                "unkind_report": locked.pk,
                "decision": state,
                "coupon": coupon.code if coupon else None,
                "reporter_told": told,
            },
        )
    report.refresh_from_db()
    return report


def _coupon_issue(report: UnkindServiceReport, *, actor, now) -> GiftCoupon:
    customer = report.request.customer
    for _attempt in range(5):
        try:
            with transaction.atomic():  # a savepoint: a code already taken is drawn again
                return GiftCoupon.objects.create(
                    report=report,
                    division=report.division,
                    code=new_coupon_code(),
                    recipient_name=customer.name[:100],
                    recipient_email=customer.email or "",
                    description=report.request.tracking_code,
                    issued_at=now,
                    issued_by=actor,
                )
        except IntegrityError:
            continue
    raise RuntimeError("no free coupon code after 5 draws")  # 8·10^17 codes: never in practice


# What the reporter reads, in their language (the homepage form's; Korean otherwise).
CONFIRMED_TEXT = {
    "ko": (
        "[불친절 신고 확인] {code}",
        "{name}님, 불친절 사례를 알려 주셔서 감사합니다.\n"
        "신고하신 내용(접수번호 {tracking})을 확인하였으며, 감사의 뜻으로 상품권을 드립니다.\n"
        "상품권 번호: {coupon}\n"
        "더 나은 서비스를 위해 직원 교육에 반영하겠습니다.",
    ),
    "en": (
        "[Unkind-service report confirmed] {code}",
        "Dear {name}, thank you for telling us about unkind service.\n"
        "We have confirmed your report (tracking code {tracking}) and, as a token of thanks,"
        " issued you a gift coupon.\n"
        "Coupon code: {coupon}\n"
        "We will use what you told us to train our staff.",
    ),
}
REJECTED_TEXT = {
    "ko": (
        "[불친절 신고 처리 결과] {code}",
        "{name}님, 불친절 사례를 알려 주셔서 감사합니다.\n"
        "신고하신 내용(접수번호 {tracking})을 담당 관리자가 꼼꼼히 확인하였으나, 이번에는"
        " 불친절 사례로 확인되지 않아 상품권을 드리지 못하게 되었습니다.\n"
        "너그러운 양해를 부탁드리며, 앞으로도 소중한 의견을 기다리겠습니다.",
    ),
    "en": (
        "[Your unkind-service report] {code}",
        "Dear {name}, thank you for telling us about your experience.\n"
        "A manager has looked carefully into your report (tracking code {tracking}) but could"
        " not confirm it as unkind service, so no gift coupon is issued this time.\n"
        "We appreciate your understanding and always welcome your views.",
    ),
}


def _reporter_tell(report: UnkindServiceReport, *, coupon: GiftCoupon | None) -> bool:
    request = report.request
    customer = request.customer
    if not customer.email:
        return False
    language = customer_language(request)
    subject, body = (CONFIRMED_TEXT if coupon else REJECTED_TEXT)[language]
    values = {
        "code": request.tracking_code,
        "tracking": request.tracking_code,
        "name": customer.name,
        "coupon": coupon.code if coupon else "",
    }
    notification_enqueue(
        idempotency_key=f"unkind-report:{report.pk}:decision",
        step="message",
        channel="email",
        recipient=customer.email,
        language=language,
        subject=subject.format(**values),
        body=body.format(**values),
        subject_type=REQUEST_SUBJECT,
        subject_id=request.pk,
    )
    return True


# --- commendations -------------------------------------------------------------------------


def commendation_acknowledge(commendation: Commendation, *, actor, employee=None) -> Commendation:
    """The manager has read the commendation; linked to the employee, it shows on their
    profile. An employee given here replaces an unmatched (or wrongly matched) one."""
    employee = user_of(employee, field="employee")
    now = timezone.now()
    with transaction.atomic():
        locked = Commendation.objects.select_for_update().get(pk=commendation.pk)
        allowed = commendations_for(actor).filter(pk=locked.pk).exists()
        if not allowed:
            raise DeskError({"__all__": [_("Only the employee's manager may acknowledge this.")]})
        if locked.state == CommendationState.ACKNOWLEDGED:
            raise DeskError({"__all__": [_("This commendation was already acknowledged.")]})
        if employee is not None and not may_see_division(employee, locked.division_id):
            raise DeskError(
                {"employee": [_("This person does not work in the commendation's division.")]}
            )
        if employee is not None:
            locked.employee = employee
        locked.state = CommendationState.ACKNOWLEDGED
        locked.acknowledged_at = now
        locked.save(update_fields=["employee", "state", "acknowledged_at"])
    commendation.refresh_from_db()
    return commendation


def commendations_of(user) -> QuerySet[Commendation]:
    """The acknowledged commendations of an employee, newest first (their profile)."""
    return Commendation.objects.filter(
        employee=user, state=CommendationState.ACKNOWLEDGED
    ).select_related("division", "team")
