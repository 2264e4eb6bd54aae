"""Records of the charter's subjects that no customer request stands behind.

Certificates, personnel handovers, PowerBase test windows, training sessions and material
deliveries each start the clocks the catalogue owes on them. They share one base
(:class:`ChartedRecord`): the division whose people see and change them (access like a
request's), who recorded them and when, their audit history, and the subject type their clocks
name them by. Limits and rules live here (fields and ``clean()``); the services in
``requests_desk/records/`` write them with their clocks.
"""

import calendar
from datetime import date, timedelta
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from commitments.business_time import SEOUL
from commitments.models import Deadline, Division, Service
from requests_desk.models.customers import CustomerContact
from requests_desk.storage import private_storage

TITLE_MAX = 200


def seoul_today() -> date:
    return timezone.localtime(timezone.now(), SEOUL).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's end (Mar 31 + 1 month = Apr 30)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


class Language(models.TextChoices):
    KOREAN = "ko", _("Korean")
    ENGLISH = "en", _("English")


class ChartedRecord(models.Model):
    """What every record of a charter subject has: its division, who recorded it, its history,
    and the subject type its clocks name it by."""

    #: The subject type of the record's clocks (``Deadline.subject_type``).
    subject_type: ClassVar[str] = ""

    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="+", verbose_name=_("division")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def clocks(self):
        """Every clock owed on this record, oldest first."""
        return (
            Deadline.objects.of_subject(self.subject_type, self.pk)
            .select_related("commitment", "terms")
            .order_by("started_at", "pk")
        )


class RecordedChange(models.Model):
    """A change to a record kept beside it (a renewal, a reschedule): when, and by whom."""

    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        abstract = True
        ordering = ["recorded_at", "pk"]


def _person_choice():
    return {"is_active": True}


# --- Certificates ----------------------------------------------------------------------------


class Certificate(ChartedRecord):
    """An electronic certificate a customer subscribes to: renewal guidance is owed a month
    before it expires (``cert.renewal-notice``)."""

    subject_type = "certificate"

    customer = models.ForeignKey(
        CustomerContact,
        on_delete=models.PROTECT,
        related_name="certificates",
        verbose_name=_("subscriber contact"),
    )
    product = models.CharField(_("product"), max_length=100)
    serial = models.CharField(
        _("serial number"),
        max_length=64,
        validators=[
            RegexValidator(
                r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                _("Letters, digits and hyphens only."),
            )
        ],
    )
    expires_on = models.DateField(_("expires on"))
    language = models.CharField(
        _("customer's language"), max_length=2, choices=Language, default=Language.KOREAN
    )
    guided_at = models.DateTimeField(_("renewal guidance given at"), null=True, blank=True)

    class Meta:
        ordering = ["expires_on", "pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["product", "serial"], name="one_certificate_serial")
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.serial}"

    def clean(self) -> None:
        if self._state.adding and self.expires_on and self.expires_on < seoul_today():
            raise ValidationError({"expires_on": _("This certificate has already expired.")})


class CertificateRenewal(RecordedChange):
    """A renewal recorded: the cycle of the old expiry closes, the next one counts to the new."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="renewals")
    previous_expires_on = models.DateField(_("previous expiry"))
    expires_on = models.DateField(_("new expiry"))

    class Meta(RecordedChange.Meta):
        verbose_name = _("certificate renewal")
        verbose_name_plural = _("certificate renewals")

    def __str__(self) -> str:
        return f"{self.previous_expires_on} → {self.expires_on}"

    def clean(self) -> None:
        if (
            self.expires_on
            and self.previous_expires_on
            and (self.expires_on <= self.previous_expires_on)
        ):
            raise ValidationError(
                {"expires_on": _("A renewal must expire later than the certificate did.")}
            )


# --- Personnel handovers ---------------------------------------------------------------------

#: The charter's minimum parallel operation on a personnel change.
PARALLEL_MONTHS = 1


class Handover(ChartedRecord):
    """A personnel change on BCP services: at least a month of parallel operation, then a
    simulated drill whose measured result is reported to the affected customers
    (``bcp.handover``)."""

    subject_type = "handover"

    outgoing = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("outgoing person"),
    )
    incoming = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_person_choice,
        verbose_name=_("incoming person"),
    )
    services = models.ManyToManyField(Service, related_name="+", verbose_name=_("services"))
    parallel_from = models.DateField(_("parallel operation from"))
    parallel_until = models.DateField(_("parallel operation until"))
    drill_on = models.DateField(_("drill held on"), null=True, blank=True)
    drill_accuracy = models.PositiveSmallIntegerField(
        _("procedure accuracy (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    drill_minutes = models.PositiveIntegerField(
        _("measured time (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    target_minutes = models.PositiveIntegerField(
        _("target time (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
    )
    reported_at = models.DateTimeField(_("result reported at"), null=True, blank=True)

    class Meta:
        ordering = ["-parallel_from", "-pk"]
        verbose_name = _("personnel handover")
        verbose_name_plural = _("personnel handovers")

    def __str__(self) -> str:
        return f"{self.outgoing} → {self.incoming}"

    @property
    def parallel_minimum_until(self) -> date | None:
        if self.parallel_from is None:
            return None
        return add_months(self.parallel_from, PARALLEL_MONTHS) - timedelta(days=1)

    def clean(self) -> None:
        errors = {}
        if self.outgoing_id and self.outgoing_id == self.incoming_id:
            errors["incoming"] = _("The incoming person must be someone else.")
        if self.parallel_from and self.parallel_until:
            minimum = self.parallel_minimum_until
            if self.parallel_until < minimum:
                errors["parallel_until"] = _(
                    "Parallel operation must last at least one calendar month: until %(day)s"
                    " or later."
                ) % {"day": minimum.isoformat()}
        if self.drill_on and self.parallel_until and self.drill_on <= self.parallel_until:
            errors["drill_on"] = _("The drill comes after the parallel operation has ended.")
        if errors:
            raise ValidationError(errors)


# --- PowerBase test windows ------------------------------------------------------------------


class TestKind(models.TextChoices):
    INTERNAL = "internal", _("Internal test")
    CUSTOMER = "customer", _("Customer test")


class TestWindow(ChartedRecord):
    """A PowerBase test: its owner is appointed and told to the customer within a business day
    of its start (``finance.test-owner``), its results reported by customer report within a
    business day of its end (``finance.test-report``)."""

    subject_type = "test-window"
    __test__ = False  # not a pytest test class

    kind = models.CharField(_("kind"), max_length=10, choices=TestKind)
    title = models.CharField(_("title"), max_length=TITLE_MAX, blank=True)
    customer = models.ForeignKey(
        CustomerContact,
        on_delete=models.PROTECT,
        related_name="test_windows",
        null=True,
        blank=True,
        verbose_name=_("customer contact"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to=_person_choice,
        verbose_name=_("test owner"),
    )
    owner_told_at = models.DateTimeField(_("owner told at"), null=True, blank=True)
    report_errors = models.TextField(_("errors found"), max_length=5000, blank=True)
    report_outcome = models.TextField(_("outcome"), max_length=5000, blank=True)
    report_file = models.FileField(
        _("report file"), storage=private_storage, upload_to="test-reports/%Y/%m/", blank=True
    )
    reported_at = models.DateTimeField(_("report sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("PowerBase test window")
        verbose_name_plural = _("PowerBase test windows")

    def __str__(self) -> str:
        if self.title:
            return self.title
        start = timezone.localtime(self.starts_at, SEOUL) if self.starts_at else None
        return f"{self.get_kind_display()} {start:%Y-%m-%d %H:%M}" if start else str(self.pk)

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The test must end after it starts.")})


# --- Training sessions -----------------------------------------------------------------------


class Training(ChartedRecord):
    """A training a customer asked for: its plan within a business day
    (``common.training-plan``) and the session on the promised day (``common.training-day``)."""

    subject_type = "training"

    customer = models.ForeignKey(
        CustomerContact,
        on_delete=models.PROTECT,
        related_name="trainings",
        verbose_name=_("customer contact"),
    )
    topic = models.CharField(_("topic"), max_length=TITLE_MAX)
    #: The customer's training request, when the training was asked for through one: the plan
    #: is then owed (and measured) on that request, not a second time here.
    request = models.ForeignKey(
        "requests_desk.Request",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name=_("training request"),
    )
    requested_at = models.DateTimeField(_("requested at"))
    promised_on = models.DateField(_("promised day"))
    planned_at = models.DateTimeField(_("plan communicated at"), null=True, blank=True)
    held_at = models.DateTimeField(_("held at"), null=True, blank=True)

    class Meta:
        ordering = ["-promised_on", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")

    def __str__(self) -> str:
        return self.topic

    def clean(self) -> None:
        requested = self.requested_at and timezone.localtime(self.requested_at, SEOUL).date()
        if requested and self.promised_on and self.promised_on < requested:
            raise ValidationError(
                {"promised_on": _("The promised day cannot be before the request.")}
            )


class AskedBy(models.TextChoices):
    CUSTOMER = "customer", _("The customer")
    US = "us", _("Us")


class TrainingReschedule(RecordedChange):
    """The promised day moved, and who asked for it."""

    training = models.ForeignKey(Training, on_delete=models.CASCADE, related_name="reschedules")
    previous_on = models.DateField(_("previous day"))
    promised_on = models.DateField(_("new day"))
    asked_by = models.CharField(_("asked by"), max_length=10, choices=AskedBy)
    reason = models.CharField(_("reason"), max_length=500)

    class Meta(RecordedChange.Meta):
        verbose_name = _("training reschedule")
        verbose_name_plural = _("training reschedules")

    def __str__(self) -> str:
        return f"{self.previous_on} → {self.promised_on}"

    def clean(self) -> None:
        if self.promised_on and self.promised_on == self.previous_on:
            raise ValidationError({"promised_on": _("Choose another day than the promised one.")})


# --- Material deliveries ---------------------------------------------------------------------


class Delivery(ChartedRecord):
    """Materials delivered to a customer: questions on them are answered by the person who
    delivered them (``market.materials-owner``)."""

    subject_type = "delivery"

    customer = models.ForeignKey(
        CustomerContact,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("customer contact"),
    )
    material = models.CharField(_("material"), max_length=TITLE_MAX)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("delivered by"),
    )
    delivered_on = models.DateField(_("delivered on"))

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        verbose_name = _("material delivery")
        verbose_name_plural = _("material deliveries")

    def __str__(self) -> str:
        return self.material

    def clean(self) -> None:
        if self.delivered_on and self.delivered_on > seoul_today():
            raise ValidationError({"delivered_on": _("A delivery is recorded once it is made.")})


class DeliveryInquiry(models.Model):
    """A question on a delivery, kept as a request routed to the deliverer."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="inquiries")
    request = models.OneToOneField(
        "requests_desk.Request", on_delete=models.CASCADE, related_name="delivery_inquiry"
    )
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    deliverer_left = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("materials inquiry")
        verbose_name_plural = _("materials inquiries")

    def __str__(self) -> str:
        return f"{self.delivery} ← {self.request_id}"
