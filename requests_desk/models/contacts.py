"""Phone calls and visits: the two ways a customer meets us in person."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.directory import phone_validator
from requests_desk.models.customers import NAME_MAX
from requests_desk.models.requests import BODY_LIMIT, BODY_MAX

# The charter: answer before the third ring; apologise when it rang more than four times.
RINGS_MET_AT_MOST = 3
APOLOGY_OWED_ABOVE = 4
MAX_RINGS = 99


class PhoneCall(models.Model):
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    caller_name = models.CharField(_("caller"), max_length=NAME_MAX)
    caller_phone = models.CharField(
        _("caller's phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    organisation = models.ForeignKey(
        "requests_desk.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("organisation"),
    )
    customer = models.ForeignKey(
        "requests_desk.CustomerContact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("customer"),
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("division"),
    )
    service = models.ForeignKey(
        "commitments.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("service"),
    )
    rings = models.PositiveSmallIntegerField(
        _("rings before pick-up"), validators=[MaxValueValidator(MAX_RINGS)]
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="answered_calls",
        verbose_name=_("answered by"),
    )
    greeting_given = models.BooleanField(_("position, name and greeting given"), default=True)
    apology_given = models.BooleanField(_("apologised for the late answer"), default=False)
    person_absent = models.BooleanField(_("person in charge absent"), default=False)
    person_in_charge = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person in charge"),
    )
    callback_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    summary = models.TextField(
        _("summary"), max_length=BODY_MAX, blank=True, validators=[BODY_LIMIT]
    )
    request = models.ForeignKey(
        "requests_desk.Request",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("request"),
    )
    # The answerer's team when the call was taken: the phone figures count the call for it,
    # whatever later happens to the request (a transfer moves the request, not the call).
    team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("answering team"),
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        indexes = [
            models.Index(fields=["division", "-received_at"], name="call_division"),
            # The phone figures of the SLA reports, read from the index alone.
            models.Index(
                fields=["received_at"],
                include=["division", "rings", "apology_given", "team"],
                name="call_received_rings",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller_name} @ {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def answered_in_time(self) -> bool:
        return self.rings <= RINGS_MET_AT_MOST

    @property
    def apology_owed(self) -> bool:
        return self.rings > APOLOGY_OWED_ABOVE


class CallDaySummary(models.Model):
    """The phone figures of one Asia/Seoul day, for one division and answering team: what the
    SLA reports read instead of every call of the period (a row a day and team, whatever the
    number of calls). A logged call is counted in the same transaction
    (:func:`requests_desk.cases.calls.call_log`); ``rebuild_call_summaries`` counts every
    call again."""

    day = models.DateField(_("day"), help_text=_("The Asia/Seoul date the call came in."))
    division_key = models.IntegerField(_("division id"))
    team_key = models.IntegerField(_("answering team id (0: none)"))
    calls = models.IntegerField(_("calls"), default=0)
    within_three = models.IntegerField(_("answered within three rings"), default=0)
    apology_owed = models.IntegerField(_("apologies owed"), default=0)
    apology_given = models.IntegerField(_("apologies owed and given"), default=0)

    class Meta:
        verbose_name = _("daily call summary")
        verbose_name_plural = _("daily call summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "division_key", "team_key"], name="one_call_summary_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.division_key}/{self.team_key}: {self.calls}"


class Visit(models.Model):
    request = models.ForeignKey(
        "requests_desk.Request",
        on_delete=models.CASCADE,
        related_name="visits",
        verbose_name=_("request"),
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name=_("visitor"),
    )
    appointment_agreed = models.BooleanField(_("appointment agreed with the customer"))
    appointment_at = models.DateTimeField(_("appointment"), null=True, blank=True)
    visited_at = models.DateTimeField(_("visited at"))
    results_explained_to = models.CharField(_("results explained to"), max_length=100)
    summary = models.TextField(
        _("summary"), max_length=BODY_MAX, blank=True, validators=[BODY_LIMIT]
    )
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)

    class Meta:
        ordering = ["-visited_at", "-id"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")

    def __str__(self) -> str:
        return f"{self.request} @ {self.visited_at:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        # visit.appointment: we never turn up unannounced.
        if self.appointment_agreed is not True:
            raise ValidationError(
                {
                    "appointment_agreed": _(
                        "We visit only by an appointment agreed with the customer beforehand."
                    )
                }
            )
