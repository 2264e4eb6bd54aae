"""Who hears about a clock's step, read from the directory the clock carries.

- reminder: the clock's owner (the assignee);
- breach: the owner and the team manager;
- escalation-1: the team manager; escalation-2: the division head;
- outside working time in the clock's calendar (nights, weekends, holidays), also the on-call
  contacts of the clock's service effective that day.

A person who is missing, inactive or has no address falls back up the chain — owner → team
manager → division head → superusers — so every step reaches someone; each fallback leaves a
note for the clock's history. The functions read only what the sweep loaded with the clock
(``select_related``/``prefetch_related``) plus, rarely, the superusers once per sweep.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist

from commitments import business_time as bt
from commitments.models import Contact, Deadline

DEFAULT_LANGUAGE = "ko"

# The chain each role falls back along, and how the notes name the roles.
_CHAIN = ("owner", "team_manager", "division_head", "superusers")
_ROLE_LABELS = {
    "owner": "assignee",
    "team_manager": "team manager",
    "division_head": "division head",
    "superusers": "administrators",
    "on_call": "on-call contact",
}
_ROLES_BY_STEP = {
    "reminder": ("owner",),
    "breach": ("owner", "team_manager"),
    "escalation-1": ("team_manager",),
    "escalation-2": ("division_head",),
}


@dataclass(frozen=True)
class Recipient:
    """One address on one channel, in the language its owner reads."""

    role: str  # owner, team_manager, division_head, superusers, on_call
    channel: str  # "email" or "sms"
    address: str
    language: str
    user: object | None = None  # the portal user, when the address belongs to one
    on_call: bool = False


@dataclass
class Audience:
    recipients: list[Recipient] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # The notes as codes, for the timeline to put into its reader's words: {"role": the role
    # not reached, "told": the role told instead, or None}; {"role": "on_call"} for no on-call.
    gaps: list[dict] = field(default_factory=list)


def superusers_loader() -> Callable[[], list]:
    """The active superusers, loaded at most once by the returned function (one sweep's
    worth: the last resort is rare, but a batch of clocks without managers must not query
    once per clock)."""
    cache: list | None = None

    def load() -> list:
        nonlocal cache
        if cache is None:
            cache = list(
                get_user_model()
                .objects.filter(is_superuser=True, is_active=True)
                .select_related("staff_profile")
                .order_by("pk")
            )
        return cache

    return load


def step_recipients(
    *,
    deadline: Deadline,
    step: str,
    at: datetime,
    urgent: bool = False,
    superusers: Callable[[], list] | None = None,
) -> Audience:
    """Everyone who hears about ``step`` (a notification step: reminder, breach,
    escalation-1, escalation-2) of ``deadline``, written at ``at``.

    ``urgent`` adds SMS for every person with a mobile number, whatever their preference."""
    superusers = superusers or superusers_loader()
    audience = Audience()
    for role in _ROLES_BY_STEP[step]:
        _add_role(audience, deadline=deadline, role=role, urgent=urgent, superusers=superusers)
    if not bt.is_working_instant(deadline.work_calendar, at):
        day = at.astimezone(deadline.work_calendar.tz).date()
        contacts = on_call_contacts(deadline=deadline, day=day)
        for contact in contacts:
            _extend(audience, contact_channels(contact=contact, urgent=urgent))
        if not contacts and deadline.service is not None:
            audience.notes.append("no on-call contact for this service outside working time")
            audience.gaps.append({"role": "on_call", "told": None})
    return audience


def on_call_contacts(*, deadline: Deadline, day: date) -> list[Contact]:
    """The on-call contacts of the clock's service effective on ``day``."""
    if deadline.service is None:
        return []
    # Filtered in Python so a prefetched contact list serves every clock of the batch.
    return [
        contact
        for contact in deadline.service.contacts.all()
        if contact.on_call
        and contact.effective_from <= day
        and (contact.effective_until is None or contact.effective_until >= day)
    ]


def user_channels(*, user, role: str, urgent: bool = False) -> list[Recipient]:
    """The addresses a portal user is reached at, by their profile's preferences.

    Someone who ticked neither channel still gets e-mail: a step owed must reach a person,
    and unticking both boxes is more likely an oversight than a wish to miss escalations."""
    if user is None or not user.is_active:
        return []
    profile = _profile(user)
    language = (profile.language if profile else "") or DEFAULT_LANGUAGE
    phone = profile.phone if profile else ""
    wants_email = profile.notify_by_email if profile else True
    wants_sms = bool(profile and profile.notify_by_sms)
    channels: list[Recipient] = []
    if phone and (wants_sms or urgent):
        channels.append(Recipient(role, "sms", phone, language, user))
    if user.email and (wants_email or not channels):
        channels.append(Recipient(role, "email", user.email, language, user))
    return channels


def contact_channels(*, contact: Contact, urgent: bool = False) -> list[Recipient]:
    """An on-call contact is reached on every channel the table lists: being on call is
    consent to be woken up."""
    language = DEFAULT_LANGUAGE
    if contact.user is not None and (profile := _profile(contact.user)) is not None:
        language = profile.language or DEFAULT_LANGUAGE
    channels: list[Recipient] = []
    number = contact.mobile or contact.phone
    if number:
        channels.append(Recipient("on_call", "sms", number, language, contact.user, True))
    if contact.email:
        channels.append(Recipient("on_call", "email", contact.email, language, contact.user, True))
    return channels


def _add_role(
    audience: Audience,
    *,
    deadline: Deadline,
    role: str,
    urgent: bool,
    superusers: Callable[[], list],
) -> None:
    for candidate in _CHAIN[_CHAIN.index(role) :]:
        people = superusers() if candidate == "superusers" else [_person(deadline, candidate)]
        channels = [
            channel
            for person in people
            for channel in user_channels(user=person, role=candidate, urgent=urgent)
        ]
        if channels:
            if candidate != role:
                audience.notes.append(
                    f"no reachable {_ROLE_LABELS[role]}: told the {_ROLE_LABELS[candidate]}"
                )
                audience.gaps.append({"role": role, "told": candidate})
            _extend(audience, channels)
            return
    audience.notes.append(f"no reachable {_ROLE_LABELS[role]} and nobody to fall back on")
    audience.gaps.append({"role": role, "told": None})


def _person(deadline: Deadline, role: str):
    if role == "owner":
        return deadline.owner
    if role == "team_manager":
        return deadline.team.manager if deadline.team else None
    division = deadline.division or (deadline.team.division if deadline.team else None)
    return division.head if division else None


def _extend(audience: Audience, channels: list[Recipient]) -> None:
    """Add channels, one message per (channel, address) however many roles a person holds."""
    seen = {(r.channel, r.address.lower()) for r in audience.recipients}
    for recipient in channels:
        if (recipient.channel, recipient.address.lower()) not in seen:
            seen.add((recipient.channel, recipient.address.lower()))
            audience.recipients.append(recipient)


def _profile(user):
    try:
        return user.staff_profile
    except ObjectDoesNotExist:
        return None
