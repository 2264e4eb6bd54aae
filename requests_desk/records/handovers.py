"""Personnel handovers on BCP services (``bcp.handover``).

The charter asks, on a personnel change, for at least one calendar month of parallel operation
(refused shorter, ``Handover.clean``), then a simulated drill whose measured result (accuracy
of the procedure, time taken against the target) is reported to the affected customers. The
clock starts when the parallel operation ends (the start of the day after its last day,
Asia/Seoul) and is due one calendar month later (``calendar_days``); only the report to the
customers keeps it — :func:`handover_report`, which e-mails the measured result to the
customers of the handover's services (those a suspension notice would reach); the clock stops
when the mail server has accepted every one of them, never when they are only queued.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Division
from notifications.outbox import notification_enqueue
from requests_desk.cases._common import end_of, start_of
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import Handover
from requests_desk.notices.audience import services_audience
from requests_desk.records.common import (
    not_future,
    person_in_division,
    record_clock_start,
    record_clock_stop_on_delivery,
)

HANDOVER = "bcp.handover"


def handover_create(
    *,
    division: Division,
    outgoing,
    incoming,
    services: list,
    parallel_from: date,
    parallel_until: date,
    target_minutes: int | None = None,
    actor=None,
    now: datetime | None = None,
) -> Handover:
    """Record a handover and start its clock at the end of the parallel operation."""
    now = now or timezone.now()
    handover = Handover(
        division=division,
        outgoing=outgoing,
        incoming=incoming,
        parallel_from=parallel_from,
        parallel_until=parallel_until,
        target_minutes=target_minutes,
        created_by=actor,
        created_at=now,
    )
    full_clean(handover)
    person_in_division(incoming, division, field="incoming")
    services = list(services)
    if not services:
        raise DeskError({"services": [_("Choose at least one service.")]})
    if any(service.division_id != division.pk for service in services):
        raise DeskError({"services": [_("Choose services of the handover's division.")]})
    with transaction.atomic():
        handover.save()
        handover.services.set(services)
        record_clock_start(
            handover,
            HANDOVER,
            started_at=end_of(parallel_until),
            service=services[0],
            actor=actor,
            now=now,
        )
    return handover


def handover_update(handover: Handover, *, target_minutes: int | None, actor=None) -> Handover:
    handover.target_minutes = target_minutes
    full_clean(handover)
    handover.save()
    return handover


def handover_drill(
    handover: Handover,
    *,
    drill_on: date,
    drill_accuracy: int,
    drill_minutes: int,
    target_minutes: int,
    actor=None,
) -> Handover:
    """Record the simulated drill held after the parallel operation, and what it measured."""
    if handover.reported_at is not None:
        raise DeskError({"drill_on": [_("The result has already been reported.")]})
    not_future(start_of(drill_on), field="drill_on")
    handover.drill_on, handover.drill_accuracy = drill_on, drill_accuracy
    handover.drill_minutes, handover.target_minutes = drill_minutes, target_minutes
    full_clean(handover)
    handover.save()
    return handover


def report_message(handover: Handover, *, summary: str) -> tuple[str, str]:
    """(subject, body): the measured result of the drill, Korean then English."""
    services = list(handover.services.all())
    names_ko = ", ".join(service.name_ko for service in services)
    names_en = ", ".join(service.name_en for service in services)
    period = f"{handover.parallel_from} ~ {handover.parallel_until}"
    ko = [
        f"[담당자 변경 모의훈련 결과 보고] {names_ko}",
        f"병행 운영 기간: {period}",
        f"모의훈련 실시일: {handover.drill_on}",
        f"절차 정확도: {handover.drill_accuracy}%",
        f"소요 시간: {handover.drill_minutes}분 (목표 {handover.target_minutes}분)",
    ]
    en = [
        f"[Personnel change: drill result] {names_en}",
        f"Parallel operation: {period}",
        f"Drill held on: {handover.drill_on}",
        f"Accuracy of the procedure: {handover.drill_accuracy}%",
        f"Time taken: {handover.drill_minutes} min (target {handover.target_minutes} min)",
    ]
    body = "\n".join(ko) + "\n\n" + "\n".join(en) + "\n\n" + summary.strip() + "\n"
    return f"[담당자 변경 결과 보고 / Drill result] {names_ko}", body


def handover_report(
    handover: Handover, *, summary: str, actor=None, now: datetime | None = None
) -> list:
    """E-mail the drill's measured result to the customers of the handover's services through
    the outbox; the clock stops when the mail server has accepted every one of them (met if by
    then it was within a month of the parallel operation's end; a refused one leaves it to be
    breached). The messages written."""
    now = now or timezone.now()
    if handover.drill_minutes is None or handover.drill_on is None:
        raise DeskError({"summary": [_("Record the drill and its measured result first.")]})
    if not summary.strip():
        raise DeskError({"summary": [_("This field is required.")]})
    if handover.reported_at is not None:
        raise DeskError({"summary": [_("The result has already been reported.")]})
    audience = services_audience(
        services=list(handover.services.all()), channels=["email"], now=now
    )
    if not audience:
        raise DeskError(
            {
                "summary": [
                    _(
                        "No customer of these services has an e-mail address: nobody can be"
                        " sent the report."
                    )
                ]
            }
        )
    subject, body = report_message(handover, summary=summary)
    with transaction.atomic():
        sent = [
            notification_enqueue(
                idempotency_key=f"handover:{handover.pk}:report:{addressee.address}",
                step="message",
                channel=addressee.channel,
                recipient=addressee.address,
                subject=subject,
                body=body,
                subject_type=Handover.subject_type,
                subject_id=handover.pk,
            )
            for addressee in audience
        ]
        record_clock_stop_on_delivery(
            handover,
            HANDOVER,
            notifications=sent,
            cause=f"drill result reported to {len(sent)} address(es)",
            field="summary",
        )
        handover.reported_at = now
        handover.save(update_fields=["reported_at"])
    return sent
