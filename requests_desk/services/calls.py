"""Phone calls and visits.

``phone.answer-3-rings`` and ``phone.late-apology`` are per-call rules: the call row is the
record (rings ≤ 3 is met; rings > 4 owes an apology, met when ``apology_given``). The call-back
promises are clocks on the call's request; every logged call has a request.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import may_see_division
from commitments.models import Commitment
from requests_desk.models import ActivityEvent, ActivityKind, PhoneCall, Visit
from requests_desk.models.contacts import RINGS_MET_AT_MOST
from requests_desk.models.requests import BODY_MAX, SUBJECT_MAX, Activity, Request
from requests_desk.services import clocks as desk_clocks
from requests_desk.services._common import (
    clean_text,
    division_of,
    instant,
    lock,
    service_of,
    user_of,
)
from requests_desk.services.communications import communication_record
from requests_desk.services.customers import _checked_phone, caller_find_or_create
from requests_desk.services.errors import DeskError
from requests_desk.services.requests import _customer, request_create
from requests_desk.vocabulary import Channel, Purpose, RequestKind

MAX_RINGS = 99
PENSION_SERVICE = "retirement-pension"
BIZDEV_DIVISION = "bizdev"


def call_log(
    *,
    actor,
    caller_name: str,
    division,
    rings: int,
    received_at: datetime | None = None,
    caller_phone: str = "",
    organisation: str = "",
    customer=None,
    service=None,
    greeting_given: bool = True,
    apology_given: bool = False,
    person_absent: bool = False,
    person_in_charge=None,
    summary: str = "",
    request: Request | None = None,
    kind: str = RequestKind.SUPPORT_INQUIRY,
    subject: str = "",
) -> PhoneCall:
    """Log a call taken by ``actor``; it creates a request unless one is given.

    Call-back clocks start on the request: ``phone.absent-callback`` when the person in charge
    was absent; ``finance.pension-callback`` (retirement-pension service) and
    ``bizdev.callback-1h`` (business development) when someone other than the person in charge
    took it."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    values = {}
    for name, check in (
        (
            "caller_name",
            lambda: clean_text(caller_name, field="caller_name", limit=100, required=True),
        ),
        ("caller_phone", lambda: _checked_phone(caller_phone, field="caller_phone")),
        (
            "organisation",
            lambda: clean_text(organisation, field="organisation", limit=200, required=False),
        ),
        ("summary", lambda: clean_text(summary, field="summary", limit=BODY_MAX, required=False)),
        (
            "subject",
            lambda: clean_text(subject, field="subject", limit=SUBJECT_MAX, required=False),
        ),
        ("division", lambda: division_of(division)),
        ("service", lambda: service_of(service)),
        ("received_at", lambda: instant(received_at, field="received_at", now=now)),
        ("person_in_charge", lambda: user_of(person_in_charge, field="person_in_charge")),
        ("rings", lambda: _rings(rings)),
    ):
        try:
            values[name] = check()
        except DeskError as error:
            errors.update(error.message_dict)
    if customer is not None:
        try:
            customer = _customer(customer)
        except DeskError as error:
            errors.update(error.message_dict)
    elif request is None and not values.get("organisation") and "organisation" not in errors:
        errors["organisation"] = [_("Give the caller's organisation (or choose a known customer).")]
    if (
        request is not None
        and "division" in values
        and request.division_id != values["division"].pk
    ):
        errors["division"] = [_("The call's division must be the request's.")]
    in_charge, call_division = values.get("person_in_charge"), values.get("division")
    if (
        in_charge is not None
        and call_division is not None
        and not may_see_division(in_charge, call_division.pk)
    ):
        # They would own the call-back clocks (and be the request's assignee).
        errors["person_in_charge"] = [_("This person does not work in the request's division.")]
    if errors:
        raise DeskError(errors)
    with transaction.atomic():
        if request is None:
            contact = customer or caller_find_or_create(
                name=values["caller_name"],
                organisation=values["organisation"],
                phone=values["caller_phone"],
            )
            request = request_create(
                actor=actor,
                kind=kind,
                channel=Channel.PHONE,
                division=values["division"],
                service=values["service"],
                customer=contact,
                subject=values["subject"]
                or _subject_from(values["summary"], values["caller_name"]),
                body=values["summary"],
                received_at=values["received_at"],
                assignee=_handler(
                    values["person_in_charge"], actor, person_absent, values["division"]
                ),
            )
            customer = contact
        request = lock(request)
        if not request.is_open:
            raise DeskError(
                {"request": [_("The request is closed; reopen it to log a call on it.")]}
            )
        customer = customer or request.customer
        call = PhoneCall.objects.create(
            received_at=values["received_at"],
            caller_name=values["caller_name"],
            caller_phone=values["caller_phone"],
            organisation=customer.organisation,
            customer=customer,
            division=values["division"],
            service=values["service"],
            rings=values["rings"],
            answered_by=actor,
            greeting_given=bool(greeting_given),
            apology_given=bool(apology_given),
            person_absent=bool(person_absent),
            person_in_charge=values["person_in_charge"],
            summary=values["summary"],
            request=request,
            created_at=now,
        )
        started = [
            desk_clocks.clock_start(
                request, commitment, started_at=call.received_at, owner=owner, actor=actor, now=now
            ).commitment_code
            for commitment, owner in _callbacks_owed(call)
        ]
        Activity.objects.create(
            request=request,
            kind=ActivityKind.CALL,
            at=call.received_at,
            recorded_at=now,
            actor=actor,
            event="" if values["summary"] else ActivityEvent.CALL_FROM,
            text=values["summary"],
            channel=Channel.PHONE,
            data={
                "call": call.pk,
                "caller_name": call.caller_name,
                "rings": call.rings,
                "answered_in_time": call.answered_in_time,
                "apology_owed": call.apology_owed,
                "apology_given": call.apology_given,
                "person_absent": call.person_absent,
                "started": started,
            },
        )
        desk_clocks.next_due_refresh(request)
    return call


def call_record_callback(call: PhoneCall, *, actor, at: datetime | None = None) -> PhoneCall:
    """We called the customer back: the call-back clocks on its request stop."""
    now = timezone.now()
    with transaction.atomic():
        call = PhoneCall.objects.select_for_update().get(pk=call.pk)
        if call.callback_at is not None:
            raise DeskError({"callback_at": [_("The call-back is already recorded.")]})
        at = instant(at, field="at", now=now, not_before=call.received_at)
        call.callback_at = at
        call.save(update_fields=["callback_at"])
        if call.request_id is not None:
            request = lock(call.request)
            communication_record(
                request,
                actor=actor,
                purpose=Purpose.CALLBACK,
                channel=Channel.PHONE,
                summary="",
                event=ActivityEvent.CALLED_BACK,
                at=at,
                told_person=call.caller_name,
                data={"call": call.pk},
            )
    return call


def visit_log(
    request: Request,
    *,
    actor,
    appointment_agreed: bool,
    appointment_at: datetime | None,
    visited_at: datetime,
    results_explained_to: str,
    summary: str = "",
    purpose: str = Purpose.RESULT,
) -> Visit:
    """Record a visit (``visit.appointment``: only by appointment; ``visit.explain-results``:
    the report names who was told) — which tells the customer ``purpose`` on channel visit."""
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if appointment_agreed is not True:
        errors["appointment_agreed"] = [
            _("We visit only by an appointment agreed with the customer beforehand.")
        ]
    try:
        results_explained_to = clean_text(
            results_explained_to, field="results_explained_to", limit=100, required=True
        )
    except DeskError:
        errors["results_explained_to"] = [
            _("Name the person in charge to whom the results were explained.")
        ]
    try:
        summary = clean_text(summary, field="summary", limit=BODY_MAX, required=False)
    except DeskError as error:
        errors.update(error.message_dict)
    if visited_at is None:
        errors["visited_at"] = [_("This field is required.")]
    if appointment_at is not None and timezone.is_naive(appointment_at):
        errors["appointment_at"] = [_("Give the time with its time zone offset.")]
    if errors:
        raise DeskError(errors)
    with transaction.atomic():
        request = lock(request)
        visited_at = instant(
            visited_at, field="visited_at", now=now, not_before=request.received_at
        )
        visit = Visit.objects.create(
            request=request,
            visitor=actor,
            appointment_agreed=True,
            appointment_at=appointment_at,
            visited_at=visited_at,
            results_explained_to=results_explained_to,
            summary=summary,
            created_at=now,
        )
        communication_record(
            request,
            actor=actor,
            purpose=purpose,
            channel=Channel.VISIT,
            summary=summary,
            event=ActivityEvent.VISITED,
            at=visited_at,
            told_person=results_explained_to,
            kind=ActivityKind.VISIT,
            data={"visit": visit.pk},
        )
    return visit


def _callbacks_owed(call: PhoneCall) -> list[tuple[Commitment, object]]:
    codes = []
    if call.person_absent:
        codes.append((desk_clocks.ABSENT_CALLBACK, call.person_in_charge or call.answered_by))
    taken_by_another = (
        call.person_in_charge is not None and call.person_in_charge != call.answered_by
    )
    if taken_by_another or call.person_absent:
        if call.service is not None and call.service.code == PENSION_SERVICE:
            codes.append((desk_clocks.PENSION_CALLBACK, call.person_in_charge))
        if call.division.code == BIZDEV_DIVISION:
            codes.append((desk_clocks.BIZDEV_CALLBACK, call.person_in_charge))
    by_code = Commitment.objects.filter(code__in=[c for c, _o in codes], active=True).in_bulk(
        field_name="code"
    )
    return [(by_code[code], owner) for code, owner in codes if code in by_code]


def _handler(person_in_charge, actor, person_absent: bool, division):
    """Who works the new request: the person in charge when present, else whoever took the
    call (if they work in the division), else the team."""
    if person_in_charge is not None and not person_absent:
        return person_in_charge
    return actor if actor is not None and may_see_division(actor, division.pk) else None


def _rings(value) -> int:
    try:
        rings = int(value)
    except (TypeError, ValueError):
        raise DeskError({"rings": [_("Give the number of rings before pick-up.")]}) from None
    if isinstance(value, bool) or not 0 <= rings <= MAX_RINGS:
        raise DeskError(
            {"rings": [_("Give a number of rings from 0 to %(max)s.") % {"max": MAX_RINGS}]}
        )
    return rings


def _subject_from(summary: str, caller: str) -> str:
    first = summary.strip().splitlines()[0] if summary.strip() else ""
    if not first:
        return _("Call from %(name)s") % {"name": caller}
    return first if len(first) <= 80 else first[:79] + "…"


__all__ = ["RINGS_MET_AT_MOST", "call_log", "call_record_callback", "visit_log"]
