"""What every record's services share: starting and stopping its clocks by name, who may see
it, and the customer it names.

A record's clocks are started and stopped here through the foundation's deadline services,
each by the named act that keeps it (``certificate_guidance_send`` stops
``cert.renewal-notice``, …): a record's clock is never stopped by matching a communication's
purpose."""

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import divisions_of, may_see_division
from commitments.deadlines import ClockError, deadline_cancel, deadline_start, deadline_stop
from commitments.models import Commitment, Deadline, Division
from notifications.stops import clock_stop_on_delivery
from requests_desk.cases.customers import customer_find_or_create
from requests_desk.cases.errors import DeskError
from requests_desk.models import ChartedRecord, CustomerContact

FUTURE_TOLERANCE = timedelta(minutes=5)


def records_visible(model: type[ChartedRecord], user) -> QuerySet:
    """The records of ``model`` in the divisions ``user`` may see (all for admins)."""
    records = model.objects.select_related("division")
    divisions = divisions_of(user)
    return records if divisions is None else records.filter(division_id__in=divisions)


def division_allowed(user, division: Division | None, *, field: str = "division") -> None:
    """Refuse to record in a division the user does not work in."""
    if division is not None and not may_see_division(user, division.pk):
        raise DeskError({field: [_("You may only record in your own division(s).")]})


def person_in_division(person, division: Division, *, field: str) -> None:
    """A person a record names as working on it works in its division."""
    if person is not None and division is not None and not may_see_division(person, division.pk):
        raise DeskError({field: [_("This person does not work in the record's division.")]})


def customer_from(*, customer: dict | None = None, customer_id=None) -> CustomerContact:
    """The contact a record names: an existing one by id, or found or created from its
    details (name, organisation, e-mail, optional phone)."""
    for given in (customer, customer_id):
        if isinstance(given, CustomerContact):
            return given
    if customer_id not in (None, ""):
        found = CustomerContact.objects.filter(pk=customer_id).first()
        if found is None:
            raise DeskError({"customer_id": [_("No customer contact has this id.")]})
        return found
    if not customer:
        raise DeskError({"customer": [_("Give either a customer or a customer_id.")]})
    return customer_find_or_create(**customer)


def not_future(at: datetime, *, field: str = "at") -> None:
    """An act is recorded once it happened (a few minutes of clock skew allowed)."""
    if at > timezone.now() + FUTURE_TOLERANCE:
        raise DeskError({field: [_("This cannot be in the future.")]})


def charter_commitment(code: str) -> Commitment:
    commitment = Commitment.objects.filter(code=code, active=True).first()
    if commitment is None:
        raise DeskError({"__all__": [_("The charter is not loaded: run seed_charter.")]})
    return commitment


def record_clock_start(
    record: ChartedRecord,
    code: str,
    *,
    started_at: datetime,
    target_at: datetime | None = None,
    owner=None,
    service=None,
    actor=None,
    now: datetime | None = None,
    previous: Deadline | None = None,
) -> Deadline:
    """Start ``code``'s clock on the record, answerable by its division (and the service's
    team when the commitment names a service)."""
    commitment = charter_commitment(code)
    service = service or commitment.service
    try:
        return deadline_start(
            commitment=commitment,
            subject_type=record.subject_type,
            subject_id=record.pk,
            subject_label=str(record),
            started_at=started_at,
            target_at=target_at,
            division=record.division,
            team=service.team if service is not None else None,
            service=service,
            owner=owner,
            actor=actor,
            now=now,
            previous=previous,
        )
    except (ClockError, ValueError) as error:
        raise DeskError({"__all__": [f"{code}: {error}"]}) from error


def record_clock(record: ChartedRecord, code: str) -> Deadline | None:
    """The record's latest clock of ``code`` (its current cycle)."""
    return (
        Deadline.objects.of_subject(record.subject_type, record.pk)
        .filter(commitment_code=code)
        .order_by("-cycle", "-pk")
        .first()
    )


def _owing_clock(record: ChartedRecord, code: str, *, field: str) -> Deadline:
    """The record's current clock of ``code``, which the act is to keep; refused when it was
    kept (or cancelled) already."""
    clock = record_clock(record, code)
    if clock is None or clock.stopped_at is not None or clock.state == "cancelled":
        raise DeskError({field: [_("This has already been recorded.")]})
    return clock


def record_clock_stop(
    record: ChartedRecord, code: str, *, at: datetime, cause: str, actor=None, field="__all__"
) -> Deadline:
    """The act that keeps ``code`` happened at ``at``: its owing clock stops (met or late)."""
    clock = _owing_clock(record, code, field=field)
    try:
        return deadline_stop(
            clock, at=at, cause=cause, actor=actor, cause_data={"record": record.subject_type}
        )
    except ClockError as error:
        raise DeskError({field: [str(error)]}) from error


def record_clock_stop_on_delivery(
    record: ChartedRecord, code: str, *, notifications: list, cause: str, field="__all__"
) -> Deadline:
    """The act that keeps ``code`` is a message through the outbox: the owing clock stops when
    the gateway has accepted every one of ``notifications`` (met or late by that instant), never
    when they are only queued (:func:`notifications.stops.clock_stop_on_delivery`)."""
    clock = _owing_clock(record, code, field=field)
    clock_stop_on_delivery(
        deadline=clock,
        notifications=notifications,
        act=f"{record.subject_type}:{record.pk}:{code}:{clock.cycle}",
        cause=cause,
        cause_data={"record": record.subject_type},
    )
    return clock


def record_clock_cancel(
    record: ChartedRecord, code: str, *, at: datetime, cause: str, actor=None
) -> Deadline | None:
    """The record no longer owes ``code``'s current clock (a renewal closed its cycle)."""
    clock = record_clock(record, code)
    if clock is None or clock.stopped_at is not None or clock.state == "cancelled":
        return clock
    return deadline_cancel(clock, at=at, cause=cause, actor=actor)
