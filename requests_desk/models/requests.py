"""Customer requests and their timeline."""

import secrets
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.business_time import SEOUL
from requests_desk.vocabulary import (
    OPEN_STATUSES,
    Channel,
    Priority,
    Purpose,
    RequestKind,
    Status,
)

# No 0/O, 1/I/L: a code read out on the phone is not misheard.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 10
SUBJECT_MAX = 200
BODY_MAX = 10_000
# A text field's max_length only sizes its form field; this makes full_clean() hold to it.
BODY_LIMIT = MaxLengthValidator(BODY_MAX)
# The promised dates are days the calendars know: at most five years after receipt.
LONGEST_AHEAD = timedelta(days=5 * 366)
PROMISED_DATES = ("expected_completion", "requested_due")
# Channels we answer on but no request arrives by.
ANSWER_ONLY_CHANNELS = (Channel.SMS,)


def new_tracking_code() -> str:
    """Short, unguessable (31^10 ≈ 8·10^14 codes), and easy to read out."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


class RequestQuerySet(models.QuerySet):
    def open(self) -> "RequestQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def visible_to(self, divisions: set[int] | None) -> "RequestQuerySet":
        """Only requests of these divisions (``None``: all; see commitments.access)."""
        return self if divisions is None else self.filter(division_id__in=divisions)

    def with_absorbed(self) -> "RequestQuerySet":
        """Each request knowing whether it absorbed a duplicate (``absorbed_any``), so that
        :func:`~requests_desk.cases.merge.request_family` of one that did not is its own id,
        not a subquery every statement of its page plans again."""
        absorbed = Request.objects.filter(merged_into=models.OuterRef("pk"))
        return self.annotate(absorbed_any=models.Exists(absorbed))


class Request(models.Model):
    tracking_code = models.CharField(
        _("tracking code"), max_length=16, unique=True, default=new_tracking_code, editable=False
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RequestKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("division"),
    )
    team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("team"),
    )
    service = models.ForeignKey(
        "commitments.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("service"),
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NEW
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_requests",
        verbose_name=_("assignee"),
    )
    customer = models.ForeignKey(
        "requests_desk.CustomerContact",
        on_delete=models.PROTECT,
        related_name="requests",
        verbose_name=_("customer"),
    )
    incident = models.ForeignKey(
        "notifications.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("caused by incident"),
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX)
    body = models.TextField(_("details"), max_length=BODY_MAX, blank=True, validators=[BODY_LIMIT])
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    expected_completion = models.DateField(_("expected completion"), null=True, blank=True)
    requested_due = models.DateField(_("requested due date"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("logged by"),
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The nearest due instant among the request's open clocks (breached ones included), kept
    # by the desk's services whenever a clock starts, stops, pauses or moves: the queue orders
    # by it without reading the clocks.
    next_due_at = models.DateTimeField(_("next due"), null=True, blank=True)
    # Kept with it, for the list's clock filters (requests_desk.cases.clocks): whether a clock
    # still owes something (running, paused, or breached and not stopped), and the instant the
    # worst of them is or becomes breached — the nearest due of the running and breached ones
    # and of those paused after their due instant (a paused clock not yet due never breaches
    # while paused). "Breached" is then ``clock_breach_at <= now``, whatever the time.
    owes_clock = models.BooleanField(_("owes a clock"), default=False, editable=False)
    clock_breach_at = models.DateTimeField(
        _("breached from"), null=True, blank=True, editable=False
    )
    # Bumped by every change; an edit made on an older version is refused, not merged.
    version = models.PositiveIntegerField(_("version"), default=1)
    # A duplicate absorbed by another request: closed, its clocks cancelled, its timeline and
    # files shown on the survivor, its tracking code leading there.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="absorbed",
        verbose_name=_("merged into"),
    )

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [
            models.Index(fields=["division", "status", "-received_at"], name="request_division"),
            models.Index(fields=["assignee", "status"], name="request_assignee"),
            models.Index(fields=["team", "status"], name="request_team"),
            # The SLA reports reach a team's calls through their requests: the ids alone, from
            # the index, without reading the requests' pages.
            models.Index(fields=["team", "id"], name="request_team_ids"),
            # The request list, newest first, for every role (an admin: all divisions; the
            # others: theirs) and each filter it offers, read in order and stopped at a page.
            models.Index(fields=["-received_at", "-id"], name="request_received"),
            models.Index(
                fields=["division", "-received_at", "-id"], name="request_division_received"
            ),
            models.Index(fields=["status", "-received_at", "-id"], name="request_status_received"),
            models.Index(fields=["kind", "-received_at", "-id"], name="request_kind_received"),
            # Kind and status together (the list's two filters most used at once): counted
            # and paged from the index alone, not the kind's rows read for their status.
            models.Index(
                fields=["kind", "status", "-received_at", "-id"],
                name="request_kind_status_received",
            ),
            models.Index(
                fields=["assignee", "-received_at", "-id"], name="request_assignee_received"
            ),
            models.Index(fields=["team", "-received_at", "-id"], name="request_team_received"),
            models.Index(
                fields=["division", "next_due_at"],
                name="request_next_due",
                condition=models.Q(next_due_at__isnull=False),
            ),
            # The clock filters: the requests owing a clock in the list's order ("on track",
            # "at risk"), and those that are or will be breached by that instant ("breached":
            # a range up to now). A few percent of the requests each.
            models.Index(
                fields=["-received_at", "-id"],
                name="request_owing_received",
                include=["division", "clock_breach_at"],
                condition=models.Q(owes_clock=True),
            ),
            # My queue: the open requests by assignee (nobody's: NULL) and team, with what the
            # queue's order and a division head's filter read, so its count and page's ids
            # are read from this index alone (a few percent of the requests).
            models.Index(
                fields=["assignee", "team"],
                name="request_open_queue",
                include=["division", "next_due_at", "received_at", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
            ),
            # "None" (no clock owed, most requests): its count stops at 10,001 index entries
            # read alone (~50 pages), not at 10,001 rows of the table filtered one by one.
            models.Index(
                fields=["-received_at", "-id"],
                name="request_clockless_received",
                include=["division"],
                condition=models.Q(owes_clock=False),
            ),
            # "Breached" in the list's order: the requests with a breach instant (a few
            # percent), their instant in the index, so the page reads no others (through
            # ``request_received`` it read some 18,000 rows to find 50 at a million).
            models.Index(
                fields=["-received_at", "-id"],
                name="request_breach_received",
                include=["division", "clock_breach_at"],
                condition=models.Q(clock_breach_at__isnull=False),
            ),
            models.Index(
                fields=["clock_breach_at"],
                name="request_clock_breach",
                include=["division"],
                condition=models.Q(clock_breach_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_code} · {self.subject}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def clean(self) -> None:
        errors = {**self._channel_errors(), **self._placement_errors(), **self._date_errors()}
        if errors:
            raise ValidationError(errors)

    def _channel_errors(self) -> dict:
        if self.channel in ANSWER_ONLY_CHANNELS:
            return {"channel": _("A request does not arrive by SMS.")}
        return {}

    def _placement_errors(self) -> dict:
        """The team and the service belong to the request's division."""
        return {
            name: message
            for name, row, message in (
                ("team", self.team, _("This team belongs to another division.")),
                ("service", self.service, _("This service belongs to another division.")),
            )
            if row is not None and self.division_id and row.division_id != self.division_id
        }

    def _date_errors(self) -> dict:
        """The promised dates fall between the (Seoul) day of receipt and five years later."""
        if not isinstance(self.received_at, datetime):  # refused already, or not given yet
            return {}
        first = self.received_at.astimezone(SEOUL).date()
        last = (self.received_at + LONGEST_AHEAD).astimezone(SEOUL).date()

        def refusal(day):
            if not isinstance(day, date):  # empty, or already refused as not a date
                return None
            if day < first:
                return _("This date is before the request was received.")
            return _("This date is more than five years ahead.") if day > last else None

        found = {name: refusal(getattr(self, name)) for name in PROMISED_DATES}
        return {name: message for name, message in found.items() if message}


class ActivityKind(models.TextChoices):
    NOTE = "note", _("Note")
    COMMUNICATION = "communication", _("Told the customer")
    CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")
    STATUS = "status", _("Status changed")
    ASSIGNMENT = "assignment", _("Assigned")
    TRANSFER = "transfer", _("Transferred")
    CHANGE = "change", _("Details changed")
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")


class ActivityEvent(models.TextChoices):
    """What the portal itself says on a line, as a code: the words are chosen when the line is
    read, in the reader's language, from the code and ``Activity.data``."""

    RECEIVED = "received", _("Request received")
    CHANGED = "changed", _("Details changed")
    UNDER_AN_HOUR = "under_an_hour", _("Within an hour")
    CALL_FROM = "call_from", _("Phone call")
    CALLED_BACK = "called_back", _("Called back")
    VISITED = "visited", _("Visit")
    CUSTOMER_REOPENED = "customer_reopened", _("Reopened by the customer")
    CUSTOMER_WROTE_BACK = "customer_wrote_back", _("The customer wrote back")
    UNKIND_REPORTED = "unkind_reported", _("Unkind service reported")
    UNKIND_CONFIRMED = "unkind_confirmed", _("Unkind-service report confirmed")
    UNKIND_REJECTED = "unkind_rejected", _("Unkind-service report rejected")
    MERGED = "merged", _("Duplicate merged")
    MERGED_INTO = "merged_into", _("Merged into another request")
    WORK_STARTED = "work_started", _("Work started")


# What each kind of timeline line must say.
SAYS_SOMETHING = {
    ActivityKind.NOTE: ("text",),
    ActivityKind.TRANSFER: ("text",),
    ActivityKind.COMMUNICATION: ("purpose", "channel", "text"),
    ActivityKind.VISIT: ("purpose", "channel", "text"),
}


class Activity(models.Model):
    """One line of a request's timeline. Rows are only ever added.

    A line is data, not prose: ``event`` names what the portal says and ``data`` holds its
    codes and values (field names, old and new values, clock codes), so the line reads in the
    language of whoever reads it (``requests_desk.cases.timeline_words``). ``text`` is only
    what a person typed (a note, a summary, a reason), shown as typed. Rows written before the
    timeline became data keep their stored words in ``data["legacy_text"]``; those that could
    not be read back into codes still show ``text`` as it was.

    Clock events are not copied here: the request page reads them from the clocks and shows
    them beside these lines."""

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="activities", verbose_name=_("request")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ActivityKind.choices)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    event = models.CharField(_("event"), max_length=30, choices=ActivityEvent.choices, blank=True)
    text = models.TextField(_("text"), max_length=BODY_MAX, blank=True, validators=[BODY_LIMIT])
    # A communication: why, how, and to whom the customer was told.
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    told_person = models.CharField(_("person told"), max_length=100, blank=True)
    # A status change, an assignment or a transfer.
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to"),
    )
    to_team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("to team"),
    )
    # Shown on the customer's tracking page (what we told them, what they wrote).
    public = models.BooleanField(_("shown to the customer"), default=False)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["request", "at"], name="activity_request_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        # A note, what the customer was told and a hand-off are read later: none is empty.
        # A line the portal words itself (``event``) needs no typed text.
        missing = [
            name
            for name in SAYS_SOMETHING.get(self.kind, ())
            if not getattr(self, name).strip() and not (name == "text" and self.event)
        ]
        if missing:
            message = (
                _("Write what the next handler needs to know, so the customer need not repeat it.")
                if self.kind == ActivityKind.TRANSFER
                else _("This field is required.")
            )
            raise ValidationError(dict.fromkeys(missing, message))
