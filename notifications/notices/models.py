"""Public notices: planned service suspensions and the "koscomDATA Announcement" board.

Each record is the subject of a charter clock (``common.suspension-notice``,
``info.spec-announcement``); the clock carries a label and a link of it, so the sweep never
reads these rows. What a customer was told about a suspension is kept per recipient, so a
later change reaches exactly the people who heard of it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from commitments.business_time import SUPPORTED_YEARS

#: A clock a minute fast on the client is no reason to refuse "now".
FUTURE_TOLERANCE = timedelta(minutes=2)
#: PostgreSQL cannot store a NUL character: text that holds one is refused, never a 500.
NO_NUL = ProhibitNullCharactersValidator()


def _english() -> bool:
    return (get_language() or "ko").startswith("en")


class SuspensionCause(models.TextChoices):
    MARKET_SYSTEM = "market_system", _("Market system change")
    SERVICE_IMPROVEMENT = "service_improvement", _("Service improvement")
    CUSTOMER_REQUEST = "customer_request", _("Customer request")
    REGULAR_CHECK = "regular_check", _("Regular check-up")
    OTHER = "other", _("Other")


class NoticeChannel(models.TextChoices):
    SCREEN = "screen", _("Screen notice")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    DOCUMENT = "document", _("Document")
    PHONE = "phone", _("Phone call")


def in_calendar_years(value) -> None:
    """An instant the business calendars can count from (their holiday tables' years)."""
    if value is not None and value.year not in SUPPORTED_YEARS:
        raise ValidationError(_("This date is outside the years the calendars know."))


def not_in_future(value) -> None:
    if value is not None and value > timezone.now() + FUTURE_TOLERANCE:
        raise ValidationError(_("This time is in the future."))


def channel_list(value) -> None:
    """At least one channel, each one of :class:`NoticeChannel`."""
    if not value:
        raise ValidationError(_("Choose at least one channel."))
    if not isinstance(value, list) or any(code not in NoticeChannel.values for code in value):
        raise ValidationError(_("Choose channels from the list."))


#: Channels the outbox sends; the screen notice is the homepage itself.
SENT_CHANNELS = (NoticeChannel.EMAIL, NoticeChannel.SMS)
#: Channels staff use themselves; the publisher records what was done.
MANUAL_CHANNELS = (NoticeChannel.DOCUMENT, NoticeChannel.PHONE)


class SuspensionState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PUBLISHED = "published", _("Published")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")


class SuspensionPlanQuerySet(models.QuerySet):
    def public(self) -> "SuspensionPlanQuerySet":
        """Notices customers were given: published once, whatever happened since."""
        return self.filter(published_at__isnull=False)


class SuspensionPlan(models.Model):
    services = models.ManyToManyField(
        "commitments.Service", related_name="suspension_plans", verbose_name=_("services")
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="suspension_plans",
        verbose_name=_("division"),
        help_text=_("The division answerable for the notice: that of the first service."),
    )
    starts_at = models.DateTimeField(_("suspension starts"), validators=[in_calendar_years])
    ends_at = models.DateTimeField(_("suspension ends"), validators=[in_calendar_years])
    cause = models.CharField(_("cause"), max_length=30, choices=SuspensionCause.choices)
    cause_other = models.CharField(
        _("other cause"), max_length=200, blank=True, validators=[NO_NUL]
    )
    channels = models.JSONField(_("channels"), default=list, validators=[channel_list])
    title_ko = models.CharField(_("title (Korean)"), max_length=200, validators=[NO_NUL])
    title_en = models.CharField(
        _("title (English)"), max_length=200, blank=True, validators=[NO_NUL]
    )
    body_ko = models.TextField(_("notice (Korean)"), max_length=5000, validators=[NO_NUL])
    body_en = models.TextField(
        _("notice (English)"), max_length=5000, blank=True, validators=[NO_NUL]
    )
    state = models.CharField(
        _("state"), max_length=12, choices=SuspensionState.choices, default=SuspensionState.PLANNED
    )
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("planned by"),
    )
    planned_at = models.DateTimeField(_("planned at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    # When customers were last told of the window now in force: the lead time we gave.
    notified_at = models.DateTimeField(_("customers told at"), null=True, blank=True)
    manual_note = models.TextField(
        _("document and phone notices made"),
        max_length=2000,
        blank=True,
        validators=[NO_NUL],
        help_text=_("What the publisher did on the document and phone channels."),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    change_reason = models.CharField(
        _("reason for the change"), max_length=300, blank=True, validators=[NO_NUL]
    )
    # How many times customers have been told (publication, then each change).
    revision = models.PositiveIntegerField(_("revision"), default=0)
    deadline = models.ForeignKey(
        "commitments.Deadline",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clock"),
    )

    objects = SuspensionPlanQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("suspension plan")
        verbose_name_plural = _("suspension plans")
        indexes = [models.Index(fields=["published_at", "ends_at"], name="suspension_public")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="suspension_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title_ko

    def clean(self) -> None:
        """The window ends after it starts, and an "other" cause says what it is; both are
        reported at once. Whether the window starts far enough ahead depends on when it is
        planned: the planning service judges that."""
        problems = {"ends_at": self._window_problem(), "cause_other": self._cause_problem()}
        found = {field: message for field, message in problems.items() if message}
        if found:
            raise ValidationError(found)

    def _window_problem(self) -> str | None:
        if self.starts_at is None or self.ends_at is None or self.ends_at > self.starts_at:
            return None
        return _("The end must be after the start.")

    def _cause_problem(self) -> str | None:
        if self.cause != SuspensionCause.OTHER or (self.cause_other or "").strip():
            return None
        return _("Say what the other cause is.")

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_ko

    @property
    def body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body_ko

    @property
    def cause_text(self) -> str:
        if self.cause == SuspensionCause.OTHER and self.cause_other:
            return self.cause_other
        return self.get_cause_display()

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(NoticeChannel.choices)
        return [str(labels[code]) for code in self.channels if code in labels]

    @property
    def manual_channels(self) -> list[str]:
        return [code for code in self.channels if code in MANUAL_CHANNELS]

    @property
    def lead_time(self) -> timedelta | None:
        """How long before the start customers were told of the window now in force."""
        if self.notified_at is None:
            return None
        return self.starts_at - self.notified_at

    @property
    def lead_days(self) -> int | None:
        lead = self.lead_time
        return None if lead is None else max(lead.days, 0)

    @property
    def is_public(self) -> bool:
        return self.published_at is not None


class SuspensionRecipient(models.Model):
    """One address a suspension notice was sent to: the list a change is sent to again."""

    plan = models.ForeignKey(
        SuspensionPlan,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("suspension plan"),
    )
    channel = models.CharField(_("channel"), max_length=10)
    address = models.CharField(_("address"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    told_at = models.DateTimeField(_("first told at"), default=timezone.now)

    class Meta:
        ordering = ["channel", "address"]
        verbose_name = _("notice recipient")
        verbose_name_plural = _("notice recipients")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "channel", "address"], name="one_recipient_per_plan_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.address}"


class AnnouncementQuerySet(models.QuerySet):
    def published(self) -> "AnnouncementQuerySet":
        return self.filter(published_at__isnull=False)


class Announcement(models.Model):
    """A completed trading-information specification, posted on the public board."""

    title_ko = models.CharField(_("title (Korean)"), max_length=200, validators=[NO_NUL])
    title_en = models.CharField(
        _("title (English)"), max_length=200, blank=True, validators=[NO_NUL]
    )
    body_ko = models.TextField(_("announcement (Korean)"), max_length=10_000, validators=[NO_NUL])
    body_en = models.TextField(
        _("announcement (English)"), max_length=10_000, blank=True, validators=[NO_NUL]
    )
    # A completion is something that has happened: it stays in the past once it is.
    spec_completed_at = models.DateTimeField(
        _("specification completed at"), validators=[in_calendar_years, not_in_future]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    deadline = models.ForeignKey(
        "commitments.Deadline",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("clock"),
    )

    objects = AnnouncementQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["-published_at", "-id"], name="announcement_board")]

    def __str__(self) -> str:
        return self.title_ko

    @property
    def title(self) -> str:
        return self.title_en if _english() and self.title_en else self.title_ko

    @property
    def body(self) -> str:
        return self.body_en if _english() and self.body_en else self.body_ko
