"""Recording an incident, and telling the affected customers of it and of its result.

Who the affected customers are is not decided here: the desk gathers them (the contacts with
cases on the services, :mod:`requests_desk.incidents.audience`) and passes their addresses, so
this module knows nothing of requests. Which clocks a message keeps is the catalogue's to say
(``commitments.stops``): an SMS keeps ``bcp.trouble-sms`` only once the gateway accepts it, so
the clock is tied to the messages (:mod:`notifications.stops`) rather than stopped when they
are queued; a phone call never keeps it.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.deadlines import ClockError, deadline_start, deadline_stop
from commitments.models import Commitment, Deadline
from commitments.stops import NOW, ON_DELIVERY, act_stops
from notifications.incidents.models import (
    KIND_CLOCKS,
    Incident,
    IncidentMessage,
    IncidentPhase,
    IncidentRecipient,
)
from notifications.notices.services import Addressee, NoticeError, _checked
from notifications.outbox import notification_enqueue
from notifications.stops import clock_stop_on_delivery

INCIDENT_SUBJECT = "incident"
#: Channels an incident message goes by: the outbox's, or a call staff make themselves.
SENT_CHANNELS = ("sms", "email")
TOLD_CHANNELS = ("sms", "email", "phone")
HEADINGS = {
    IncidentPhase.ANNOUNCEMENT: "[장애 안내 / Trouble notice]",
    IncidentPhase.RESULT: "[장애 처리 결과 / Trouble result]",
}


def incident_record(
    *,
    kind: str,
    division,
    services: list,
    title: str,
    detected_at: datetime,
    actor,
    description: str = "",
    reported_at: datetime | None = None,
    now: datetime | None = None,
) -> Incident:
    """Record a trouble and start the clocks its kind owes (``KIND_CLOCKS``).

    The services must be the division's; detection (and the report) cannot be in the future
    nor the report before detection (``Incident`` refuses them on their fields)."""
    now = now or timezone.now()
    if not services:
        raise NoticeError({"services": [_("Choose at least one affected service.")]})
    foreign = [s for s in services if division is not None and s.division_id != division.pk]
    if foreign:
        raise NoticeError(
            {
                "services": [
                    _("Not a service of the division: %(services)s")
                    % {"services": ", ".join(s.code for s in foreign)}
                ]
            }
        )
    incident = Incident(
        kind=kind,
        division=division,
        title=title.strip(),
        description=description.strip(),
        detected_at=detected_at,
        reported_at=reported_at or now,
        recorded_by=actor,
        recorded_at=now,
    )
    _checked(incident)
    services = sorted(services, key=lambda s: s.code)
    commitments = {
        c.code: c
        for c in Commitment.objects.filter(
            code__in=incident.clock_codes, active=True
        ).select_related("division")
    }
    with transaction.atomic():
        incident.save()
        incident.services.set(services)
        for code, start in KIND_CLOCKS[kind]:
            if code not in commitments:
                continue  # a row an admin switched off owes nothing
            try:
                deadline_start(
                    commitment=commitments[code],
                    subject_type=INCIDENT_SUBJECT,
                    subject_id=incident.pk,
                    subject_label=incident.title,
                    started_at=getattr(incident, start),
                    division=division,
                    team=services[0].team,
                    service=services[0],
                    owner=actor,
                    actor=actor,
                    now=now,
                )
            except (ClockError, ValueError) as error:
                raise NoticeError({"detected_at": [str(error)]}) from error
    return incident


def incident_clocks(incident: Incident) -> list[Deadline]:
    return list(
        Deadline.objects.of_subject(INCIDENT_SUBJECT, incident.pk)
        .select_related("commitment", "terms")
        .order_by("due_at", "pk")
    )


def incident_tell(
    incident: Incident,
    *,
    phase: str,
    channel: str,
    text: str,
    audience: list[Addressee],
    skipped: list[str],
    actor,
    now: datetime | None = None,
) -> IncidentMessage:
    """Tell the affected customers of the trouble (``phase`` "plan") or of its result
    ("result"), and keep the clocks that act keeps.

    On SMS or e-mail each address in ``audience`` gets a message through the outbox; those the
    channel cannot reach (``skipped``: no mobile number) are kept on the message, for the desk
    to call. With nobody reachable the message is refused, naming them. A phone message records
    what staff said and whom they called (``text``); it keeps only the clocks a call may keep."""
    now = now or timezone.now()
    if phase not in IncidentPhase.values:
        raise NoticeError({"phase": [_("Choose the announcement or the result.")]})
    if channel not in TOLD_CHANNELS:
        raise NoticeError({"channel": [_("Choose SMS, e-mail or phone.")]})
    if not text.strip():
        raise NoticeError({"text": [_("Write what the customers are told.")]})
    recipients = [a for a in audience if a.channel == channel] if channel in SENT_CHANNELS else []
    if channel in SENT_CHANNELS and not recipients:
        names = ", ".join(skipped) or _("nobody has a case on these services")
        raise NoticeError(
            {
                "channel": [
                    _("No affected customer can receive this on this channel: %(names)s")
                    % {"names": names}
                ]
            }
        )
    message = IncidentMessage(
        incident=incident,
        phase=phase,
        channel=channel,
        text=text.strip(),
        told_by=actor,
        at=now,
        skipped=list(skipped) if channel in SENT_CHANNELS else [],
    )
    _checked(message)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        message.save()
        sent = _send(incident, message, recipients)
        _keep_clocks(incident, message, sent=sent, actor=actor, now=now)
        field = "announced_at" if phase == IncidentPhase.ANNOUNCEMENT else "result_at"
        if getattr(incident, field) is None:
            setattr(incident, field, now)
            incident.save(update_fields=[field])
    return message


def _send(incident: Incident, message: IncidentMessage, recipients: list[Addressee]) -> list:
    heading = HEADINGS[message.phase]
    notifications, rows, seen = [], [], set()
    for addressee in recipients:
        address = addressee.address.strip()
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        notification = notification_enqueue(
            idempotency_key=f"incident:{incident.pk}:message:{message.pk}:{address}",
            step="notice",
            channel=message.channel,
            recipient=address,
            subject=f"{heading} {incident.title}",
            body=f"{heading} {incident.title}\n{message.text}",
            subject_type=INCIDENT_SUBJECT,
            subject_id=incident.pk,
        )
        notifications.append(notification)
        rows.append(
            IncidentRecipient(
                message=message,
                address=address,
                name=addressee.name[:200],
                notification=notification,
            )
        )
    IncidentRecipient.objects.bulk_create(rows)
    return notifications


def _keep_clocks(incident, message, *, sent: list, actor, now: datetime) -> None:
    cause = f"{message.phase} told by {message.channel}"
    cause_data = {"code": "incident_told", "purpose": message.phase, "channel": message.channel}
    for clock in incident_clocks(incident):
        if clock.stopped_at is not None or clock.state == "cancelled":
            continue
        when = act_stops(clock.params, purpose=message.phase, channel=message.channel)
        if when == NOW:
            deadline_stop(clock, at=now, cause=cause, actor=actor, cause_data=cause_data)
        elif when == ON_DELIVERY and sent:
            clock_stop_on_delivery(
                deadline=clock,
                notifications=sent,
                act=f"incident:{incident.pk}:message:{message.pk}",
                cause=f"{cause}, delivered",
                cause_data=cause_data,
            )
