"""Planning, publishing, rescheduling and cancelling suspension notices; recording and
publishing announcements. Each keeps its charter clock in step with it.

Who hears of a suspension is not decided here: the caller passes the addresses (the desk
gathers the customers of the affected services), so this module knows nothing of requests.
What was sent is recorded per address; a change goes to exactly those addresses again.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.deadlines import (
    ClockError,
    deadline_cancel,
    deadline_recompute,
    deadline_start,
    deadline_stop,
)
from commitments.models import Commitment, Deadline, DeadlineState
from notifications.notices.messages import suspension_message
from notifications.notices.models import (
    SENT_CHANNELS,
    Announcement,
    NoticeChannel,
    SuspensionCause,
    SuspensionPlan,
    SuspensionRecipient,
    SuspensionState,
)
from notifications.outbox import notification_enqueue

SUSPENSION_NOTICE = "common.suspension-notice"
SPEC_ANNOUNCEMENT = "info.spec-announcement"
SUSPENSION_SUBJECT = "suspension"
ANNOUNCEMENT_SUBJECT = "announcement"
#: The charter's lead: the clock's own terms decide the due instant, this only words the warning.
NOTICE_LEAD = timedelta(days=7)


def notice_clock_starts() -> None:
    """Declare what starts the notices' clocks, for the homepage's promises."""
    from django.utils.translation import gettext_lazy

    from commitments.subjects import clock_start_register

    clock_start_register(
        code=SUSPENSION_NOTICE,
        words=gettext_lazy("a planned service suspension, counted back from its start"),
    )
    clock_start_register(
        code=SPEC_ANNOUNCEMENT,
        words=gettext_lazy("a trading-information specification completed"),
    )


class NoticeError(ValidationError):
    """Bad input, as ``{field: [message, …]}``; ``__all__`` for the whole."""

    def __init__(self, errors: dict[str, list[str] | str]):
        super().__init__(
            {
                field or NON_FIELD_ERRORS: [
                    str(m) for m in (msgs if isinstance(msgs, list) else [msgs])
                ]
                for field, msgs in errors.items()
            }
        )


class ShortNotice(NoticeError):
    """The window starts sooner than the charter's lead time; the user must confirm."""


@dataclass(frozen=True)
class Addressee:
    """One customer address a notice goes to."""

    channel: str  # "email" or "sms"
    address: str
    name: str = ""


# --- suspensions -----------------------------------------------------------------------------


def short_notice_message(*, starts_at: datetime, now: datetime) -> str:
    lead = starts_at - now
    return _(
        "The suspension starts in %(days)s day(s): less than the 7 days the charter promises. "
        "The notice clock will be recorded as breached. Tick the confirmation to plan it anyway."
    ) % {"days": max(lead.days, 0)}


def _checked(record, **rename: str) -> None:
    """Refuse what the record's own rules refuse (its fields' limits and validators, its
    ``clean()``), on the field names the caller used."""
    try:
        record.full_clean()
    except ValidationError as error:
        raise NoticeError(
            {rename.get(field, field): messages for field, messages in error.message_dict.items()}
        ) from None


def _window_ahead(*, starts_at: datetime, now: datetime, accept_short_notice: bool) -> None:
    """A suspension is planned before it starts; with less than the charter's lead only when
    the planner confirms it (its clock is then born breached)."""
    if starts_at <= now:
        raise NoticeError({"starts_at": [_("The suspension must start in the future.")]})
    if starts_at - NOTICE_LEAD < now and not accept_short_notice:
        raise ShortNotice(
            {"accept_short_notice": [short_notice_message(starts_at=starts_at, now=now)]}
        )


def _reason_given(reason: str, *, message: str) -> str:
    """A change told to customers says why it was made."""
    if not reason.strip():
        raise NoticeError({"reason": [message]})
    return reason.strip()


def _in_list_order(channels: list[str]) -> list[str]:
    """The channels once each, in the order of :class:`NoticeChannel`; unknown ones go last,
    for the plan's rules to refuse."""
    known = NoticeChannel.values
    return sorted(
        dict.fromkeys(channels), key=lambda c: known.index(c) if c in known else len(known)
    )


def _charter_commitment(code: str) -> Commitment:
    commitment = Commitment.objects.filter(code=code, active=True).first()
    if commitment is None:
        raise NoticeError({"__all__": [_("The charter is not loaded: run seed_charter.")]})
    return commitment


def suspension_plan_create(
    *,
    services: list,
    starts_at: datetime,
    ends_at: datetime,
    cause: str,
    channels: list[str],
    title_ko: str,
    body_ko: str,
    actor,
    cause_other: str = "",
    title_en: str = "",
    body_en: str = "",
    accept_short_notice: bool = False,
    now: datetime | None = None,
) -> SuspensionPlan:
    """Plan a suspension and start its notice clock (due 7 days before the start).

    1. The plan answers to the division of its first service, so it names at least one.
    2. The plan's own rules (``SuspensionPlan.full_clean``) come next, then the moment: a
       window already begun is refused, and one with less lead than the charter's is refused
       with :class:`ShortNotice` unless ``accept_short_notice`` (its clock then starts already
       past due and the sweep records the breach at once).
    3. The plan, its services and its clock are saved together."""
    now = now or timezone.now()
    services = sorted(services, key=lambda s: (s.division_id, s.code))
    if not services:
        raise NoticeError({"services": [_("Choose at least one affected service.")]})
    first = services[0]
    plan = SuspensionPlan(
        division_id=first.division_id,
        starts_at=starts_at,
        ends_at=ends_at,
        cause=cause,
        cause_other=cause_other.strip() if cause == SuspensionCause.OTHER else "",
        channels=_in_list_order(channels),
        title_ko=title_ko.strip(),
        title_en=title_en.strip(),
        body_ko=body_ko.strip(),
        body_en=body_en.strip(),
        planned_by=actor,
        planned_at=now,
    )
    _checked(plan)
    _window_ahead(starts_at=starts_at, now=now, accept_short_notice=accept_short_notice)
    commitment = _charter_commitment(SUSPENSION_NOTICE)
    with transaction.atomic():
        plan.save()
        plan.services.set(services)
        try:
            plan.deadline = _notice_clock(
                plan, commitment=commitment, service=first, owner=actor, actor=actor, now=now
            )
        except (ClockError, ValueError) as error:
            raise NoticeError({"__all__": [str(error)]}) from error
        plan.save(update_fields=["deadline"])
    return plan


def _notice_clock(
    plan: SuspensionPlan, *, commitment, service, owner, actor, now: datetime, previous=None
) -> Deadline:
    """Start the plan's notice clock (``common.suspension-notice``: due the lead before its
    start), answerable by the plan's division and its first service's team."""
    return deadline_start(
        commitment=commitment,
        subject_type=SUSPENSION_SUBJECT,
        subject_id=plan.pk,
        subject_label=plan.title_ko,
        started_at=now,
        target_at=plan.starts_at,
        division=plan.division,
        team=service.team if service else None,
        service=service,
        owner=owner,
        actor=actor,
        now=now,
        previous=previous,
    )


def _locked(plan: SuspensionPlan) -> SuspensionPlan:
    return (
        SuspensionPlan.objects.select_for_update(of=("self",))
        .select_related("deadline__terms")
        .get(pk=plan.pk)
    )


def _owes(deadline: Deadline | None) -> bool:
    """The clock still waits: running, paused, or breached and not yet stopped."""
    return deadline is not None and (
        deadline.is_open
        or (deadline.state == DeadlineState.BREACHED and deadline.stopped_at is None)
    )


def suspension_publish(
    plan: SuspensionPlan,
    *,
    audience: list[Addressee],
    actor,
    manual_note: str = "",
    now: datetime | None = None,
) -> SuspensionPlan:
    """Put the notice on the homepage, send it to ``audience`` on the plan's e-mail and SMS
    channels, and stop the clock: met if before due. Document and phone notices are the
    publisher's to make; ``manual_note`` records what was done and is required when the plan
    names those channels."""
    now = now or timezone.now()
    with transaction.atomic():
        plan = _locked(plan)
        if plan.state != SuspensionState.PLANNED:
            raise NoticeError({"__all__": [_("This notice has already been published.")]})
        if plan.ends_at <= now:
            raise NoticeError({"__all__": [_("This suspension is over: it cannot be announced.")]})
        if plan.manual_channels and not manual_note.strip():
            raise NoticeError(
                {"manual_note": [_("Say how the document and phone notices were made.")]}
            )
        plan.manual_note = manual_note.strip()
        plan.state = SuspensionState.PUBLISHED
        plan.published_at = plan.notified_at = now
        plan.published_by = actor
        plan.revision = 1
        _checked(plan)
        plan.save()
        _recipients_record(plan, audience=audience, now=now)
        _notify(plan, event="published")
        if _owes(plan.deadline):
            deadline_stop(plan.deadline, at=now, cause="notice published and sent", actor=actor)
    return plan


def _recipients_record(plan: SuspensionPlan, *, audience: list[Addressee], now: datetime) -> None:
    """Keep each address told, once per channel, on the plan's e-mail and SMS channels."""
    sent = [a for a in audience if a.channel in plan.channels and a.channel in SENT_CHANNELS]
    rows = {}
    for addressee in sent:
        key = (addressee.channel, addressee.address.strip().lower())
        if key[1] and key not in rows:
            rows[key] = SuspensionRecipient(
                plan=plan,
                channel=addressee.channel,
                address=addressee.address.strip(),
                name=addressee.name[:200],
                told_at=now,
            )
    SuspensionRecipient.objects.bulk_create(rows.values())


def suspension_reschedule(
    plan: SuspensionPlan,
    *,
    starts_at: datetime,
    ends_at: datetime,
    reason: str,
    actor,
    accept_short_notice: bool = False,
    now: datetime | None = None,
) -> SuspensionPlan:
    """Move the window. Before publication the clock is recomputed for the new start; after
    it, everyone who was told hears of the new window, and a new notice clock for it starts
    and stops at once (met if the new window still leaves 7 days)."""
    now = now or timezone.now()
    reason = _reason_given(reason, message=_("Say why the suspension moves."))
    with transaction.atomic():
        plan = _locked(plan)
        if plan.state == SuspensionState.CANCELLED:
            raise NoticeError({"__all__": [_("A cancelled suspension cannot be rescheduled.")]})
        plan.starts_at, plan.ends_at = starts_at, ends_at
        plan.change_reason = reason
        _checked(plan, change_reason="reason")
        _window_ahead(starts_at=starts_at, now=now, accept_short_notice=accept_short_notice)
        if plan.state == SuspensionState.PLANNED:
            plan.save()
            if plan.deadline is not None and plan.deadline.is_open:
                deadline_recompute(
                    plan.deadline, at=now, reason=reason[:200], target_at=starts_at, actor=actor
                )
            return plan
        plan.state = SuspensionState.RESCHEDULED
        plan.notified_at = now
        plan.revision += 1
        previous = plan.deadline
        commitment = (
            previous.commitment
            if previous is not None
            else Commitment.objects.get(code=SUSPENSION_NOTICE)
        )
        first = plan.services.order_by("division__code", "code").first()
        plan.deadline = _notice_clock(
            plan,
            commitment=commitment,
            service=first,
            owner=previous.owner if previous is not None else plan.planned_by,
            actor=actor,
            now=now,
            previous=previous,
        )
        plan.save()
        _notify(plan, event="rescheduled")
        deadline_stop(plan.deadline, at=now, cause="new window published and sent", actor=actor)
    return plan


def suspension_cancel(
    plan: SuspensionPlan, *, reason: str, actor, now: datetime | None = None
) -> SuspensionPlan:
    """Call the suspension off. The clock is cancelled if it still waits (a recorded breach
    stands); everyone who was told hears that it is cancelled."""
    now = now or timezone.now()
    reason = _reason_given(reason, message=_("Say why the suspension is cancelled."))
    with transaction.atomic():
        plan = _locked(plan)
        if plan.state == SuspensionState.CANCELLED:
            raise NoticeError({"__all__": [_("This suspension is already cancelled.")]})
        was_public = plan.is_public
        plan.state = SuspensionState.CANCELLED
        plan.cancelled_at = now
        plan.change_reason = reason
        if was_public:
            # notified_at stays: the lead shown is the one given for the window called off.
            plan.revision += 1
        _checked(plan, change_reason="reason")
        plan.save()
        if _owes(plan.deadline):
            deadline_cancel(plan.deadline, at=now, cause=reason[:200], actor=actor)
        if was_public:
            _notify(plan, event="cancelled")
    return plan


def _notify(plan: SuspensionPlan, *, event: str) -> int:
    """Write one outbox row per recorded recipient for this revision of the notice."""
    services = list(plan.services.order_by("division__code", "code"))
    messages = {
        channel: suspension_message(plan, event=event, services=services, channel=channel)
        for channel in SENT_CHANNELS
    }
    count = 0
    for recipient in plan.recipients.all():
        subject, body = messages[recipient.channel]
        notification_enqueue(
            idempotency_key=(
                f"suspension:{plan.pk}:{plan.revision}:{recipient.channel}:"
                f"{recipient.address.lower()}"
            )[:200],
            step="notice",
            channel=recipient.channel,
            recipient=recipient.address,
            subject=subject,
            body=body,
            deadline=plan.deadline,
            subject_type=SUSPENSION_SUBJECT,
            subject_id=plan.pk,
        )
        count += 1
    return count


# --- announcements ---------------------------------------------------------------------------


def announcement_record(
    *,
    title_ko: str,
    body_ko: str,
    spec_completed_at: datetime,
    actor,
    title_en: str = "",
    body_en: str = "",
    now: datetime | None = None,
) -> Announcement:
    """Record a completed trading-information specification; its announcement is owed the
    same business day (``info.spec-announcement``, on the Information HO's calendar)."""
    now = now or timezone.now()
    announcement = Announcement(
        title_ko=title_ko.strip(),
        title_en=title_en.strip(),
        body_ko=body_ko.strip(),
        body_en=body_en.strip(),
        spec_completed_at=spec_completed_at,
        recorded_by=actor,
        recorded_at=now,
    )
    _checked(announcement)
    commitment = _charter_commitment(SPEC_ANNOUNCEMENT)
    with transaction.atomic():
        announcement.save()
        announcement.deadline = _announcement_clock(
            announcement, commitment=commitment, actor=actor, now=now
        )
        announcement.save(update_fields=["deadline"])
    return announcement


def _announcement_clock(announcement: Announcement, *, commitment, actor, now: datetime):
    """Start the announcement's clock from the completion, answerable by the commitment's
    division (the Information HO) and its first team."""
    division = commitment.division
    return deadline_start(
        commitment=commitment,
        subject_type=ANNOUNCEMENT_SUBJECT,
        subject_id=announcement.pk,
        subject_label=announcement.title_ko,
        started_at=announcement.spec_completed_at,
        team=division.teams.order_by("code").first() if division else None,
        owner=actor,
        actor=actor,
        now=now,
    )


def announcement_publish(
    announcement: Announcement, *, actor, now: datetime | None = None
) -> Announcement:
    """Post the announcement on the public board; its clock stops (met if in time)."""
    now = now or timezone.now()
    with transaction.atomic():
        announcement = (
            Announcement.objects.select_for_update(of=("self",))
            .select_related("deadline__terms")
            .get(pk=announcement.pk)
        )
        if announcement.published_at is not None:
            raise NoticeError({"__all__": [_("This announcement is already published.")]})
        announcement.published_at = now
        announcement.published_by = actor
        announcement.save(update_fields=["published_at", "published_by"])
        if _owes(announcement.deadline):
            deadline_stop(
                announcement.deadline, at=now, cause="announcement published", actor=actor
            )
    return announcement
