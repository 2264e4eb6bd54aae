"""Incidents: trouble reports on BCP, the network and prompt-service data.

An incident is the subject of the charter's trouble clocks, by kind: ``bcp.trouble-sms`` and
``bcp.trouble-result`` (BCP, from detection), ``network.trouble-plan`` (network, from the
report) and ``info.problem-10min`` (prompt-service data, from detection). What the affected
customers were told is kept per address, so the result reaches the same people as the
announcement. Customer requests name the incident that caused them (``Request.incident``).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from notifications.notices.models import (
    FUTURE_TOLERANCE,
    NO_NUL,
    in_calendar_years,
    not_in_future,
)


class IncidentKind(models.TextChoices):
    BCP = "bcp", _("BCP trouble")
    NETWORK = "network", _("Network trouble")
    DATA = "data", _("Prompt-service data problem")


#: The clocks each kind owes, and the instant each counts from.
KIND_CLOCKS = {
    IncidentKind.BCP: (("bcp.trouble-sms", "detected_at"), ("bcp.trouble-result", "detected_at")),
    IncidentKind.NETWORK: (("network.trouble-plan", "reported_at"),),
    IncidentKind.DATA: (("info.problem-10min", "detected_at"),),
}


#: The instant a clock counts from, in the customer's words.
START_WORDS = {"detected_at": _("from its detection"), "reported_at": _("from its report")}


def incident_clock_starts() -> None:
    """Declare what starts the trouble clocks: the incident of a kind, from detection or report
    (``KIND_CLOCKS``)."""
    from django.utils.text import format_lazy

    from commitments.subjects import clock_start_register

    for kind, clocks in KIND_CLOCKS.items():
        for code, start in clocks:
            words = format_lazy("{}, {}", IncidentKind(kind).label, START_WORDS[start])
            clock_start_register(code=code, words=words)


class IncidentPhase(models.TextChoices):
    """What the customers are told: the trouble and its plan, then the result."""

    ANNOUNCEMENT = "plan", _("Announcement")
    RESULT = "result", _("Result")


class Incident(models.Model):
    kind = models.CharField(_("kind"), max_length=10, choices=IncidentKind.choices)
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("division"),
    )
    services = models.ManyToManyField(
        "commitments.Service", related_name="incidents", verbose_name=_("affected services")
    )
    title = models.CharField(_("title"), max_length=200, validators=[NO_NUL])
    description = models.TextField(
        _("description"), max_length=5000, blank=True, validators=[NO_NUL]
    )
    detected_at = models.DateTimeField(
        _("detected at"), validators=[in_calendar_years, not_in_future]
    )
    reported_at = models.DateTimeField(
        _("reported at"),
        default=timezone.now,
        validators=[in_calendar_years, not_in_future],
        help_text=_("When the trouble was reported to us; the network plan counts from it."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    announced_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    result_at = models.DateTimeField(_("result told at"), null=True, blank=True)
    history = HistoricalRecords(m2m_fields=[services])

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [models.Index(fields=["division", "-detected_at"], name="incident_division")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """Detection comes before the report (a detection in the future is its field's to
        refuse: said once)."""
        detected, reported = self.detected_at, self.reported_at
        if not detected or not reported or detected > timezone.now() + FUTURE_TOLERANCE:
            return
        if reported < detected:
            raise ValidationError(
                {"detected_at": _("A trouble is detected before it is reported, not after.")}
            )

    @property
    def clock_codes(self) -> list[str]:
        return [code for code, _start in KIND_CLOCKS.get(self.kind, ())]


class IncidentMessage(models.Model):
    """What one announcement or result said, by which channel, and to whom (its recipients)."""

    incident = models.ForeignKey(
        Incident, on_delete=models.CASCADE, related_name="messages", verbose_name=_("incident")
    )
    phase = models.CharField(_("phase"), max_length=10, choices=IncidentPhase.choices)
    channel = models.CharField(_("channel"), max_length=10)
    text = models.TextField(_("text"), max_length=2000, validators=[NO_NUL])
    told_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    skipped = models.JSONField(
        _("not reachable on this channel"),
        default=list,
        blank=True,
        help_text=_("Affected customers this message could not reach (no mobile number)."),
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("incident message")
        verbose_name_plural = _("incident messages")

    def __str__(self) -> str:
        return f"{self.phase} ({self.channel})"


class IncidentRecipient(models.Model):
    """One address an incident message went to."""

    message = models.ForeignKey(
        IncidentMessage,
        on_delete=models.CASCADE,
        related_name="recipients",
        verbose_name=_("message"),
    )
    address = models.CharField(_("address"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    notification = models.ForeignKey(
        "notifications.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("notification"),
    )

    class Meta:
        ordering = ["address"]
        verbose_name = _("incident recipient")
        verbose_name_plural = _("incident recipients")

    def __str__(self) -> str:
        return self.address
