"""The customer's voice: what came in through the homepage, unkind-service reports and the
coupons they earn, commendations of employees, and satisfaction scores.

These rows are read by the homepage (to file and follow a case), by managers (to confirm a
report, read a commendation) and by the SLA dashboards (counts per division and period), so
each carries its division and the instant it concerns.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models.directory import phone_validator
from requests_desk.models.requests import BODY_MAX, Request
from requests_desk.storage import private_storage


class PublicCategory(models.TextChoices):
    """What a customer says they are sending from the homepage (SPEC §5 codes)."""

    COMPLAINT = "complaint", _("Complaint")
    INQUIRY = "inquiry", _("Inquiry")
    REQUEST = "request", _("Request")
    UNKIND_SERVICE = "unkind_service", _("Unkind service")


class HomepageSubmission(models.Model):
    """How a request filed on the homepage came in: its category and the customer's consent to
    the collection and use of their personal data (which text they agreed to, and when)."""

    request = models.OneToOneField(
        Request, on_delete=models.CASCADE, related_name="submission", verbose_name=_("request")
    )
    category = models.CharField(_("category"), max_length=20, choices=PublicCategory.choices)
    consent_at = models.DateTimeField(_("consent given at"))
    consent_version = models.CharField(_("consent text version"), max_length=20)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    # What the customer typed about themselves on this case. A submission never changes a known
    # customer's record: staff see these as "given on this case" and may accept them.
    given_name = models.CharField(_("name given on this case"), max_length=100, blank=True)
    given_phone = models.CharField(
        _("phone given on this case"), max_length=20, blank=True, validators=[phone_validator]
    )
    details_accepted_at = models.DateTimeField(_("details accepted at"), null=True, blank=True)
    details_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("details accepted by"),
    )

    class Meta:
        verbose_name = _("homepage submission")
        verbose_name_plural = _("homepage submissions")

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.request.tracking_code}"


class Attachment(models.Model):
    """A file on a case: one the customer attached (homepage, tracking-page reply) or staff did
    (to what they told the customer, or a note). Stored outside the web root, handed out only to
    staff of the case's division and, unless it came with a note, to the customer."""

    request = models.ForeignKey(
        Request, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("request")
    )
    file = models.FileField(
        _("file"), upload_to="attachments/%Y/%m/", max_length=300, storage=private_storage
    )
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    from_customer = models.BooleanField(_("sent by the customer"), default=True)
    # The line it came with: what we told the customer, a note, or the customer's reply (none:
    # the homepage form's file).
    activity = models.ForeignKey(
        "requests_desk.Activity",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
        verbose_name=_("timeline line"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ReportState(models.TextChoices):
    PENDING = "pending", _("Awaiting a manager")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class UnkindServiceReport(models.Model):
    """A complaint that names an occasion of unkind service. A manager of its division
    confirms or rejects it; a confirmation issues the reporter a gift coupon."""

    request = models.OneToOneField(
        Request, on_delete=models.CASCADE, related_name="unkind_report", verbose_name=_("request")
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("division"),
    )
    occasion = models.TextField(
        _("occasion"), max_length=2000, help_text=_("When, where and how it happened.")
    )
    employee_name = models.CharField(_("employee named"), max_length=100, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ReportState.choices, default=ReportState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("reported at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("unkind-service report")
        verbose_name_plural = _("unkind-service reports")
        indexes = [
            models.Index(fields=["division", "state", "decided_at"], name="unkind_report_division")
        ]

    def __str__(self) -> str:
        return f"{self.request.tracking_code} · {self.get_state_display()}"


class GiftCoupon(models.Model):
    """The gift coupon a confirmed unkind-service report earns (``voice.unkind-report``)."""

    report = models.OneToOneField(
        UnkindServiceReport,
        on_delete=models.PROTECT,
        related_name="coupon",
        verbose_name=_("report"),
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("division"),
    )
    code = models.CharField(_("coupon code"), max_length=20, unique=True)
    recipient_name = models.CharField(_("recipient"), max_length=100)
    recipient_email = models.EmailField(_("recipient e-mail"), blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("gift coupon")
        verbose_name_plural = _("gift coupons")
        indexes = [models.Index(fields=["division", "issued_at"], name="coupon_division_issued")]

    def __str__(self) -> str:
        return self.code


class CommendationState(models.TextChoices):
    NEW = "new", _("New")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")


class Commendation(models.Model):
    """A customer's nomination of an exemplary employee, routed to that employee's manager and
    listed on the employee's profile once the manager has linked it."""

    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("division"),
    )
    team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="commendations",
        verbose_name=_("employee"),
    )
    employee_name = models.CharField(_("employee named"), max_length=100)
    nominator_name = models.CharField(_("your name"), max_length=100)
    nominator_organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    nominator_email = models.EmailField(_("e-mail"))
    reason = models.TextField(_("why"), max_length=BODY_MAX)
    # The nominator's consent to the collection and use of their personal data.
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    routed_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("routed to"),
    )
    state = models.CharField(
        _("state"), max_length=15, choices=CommendationState.choices, default=CommendationState.NEW
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")

    def __str__(self) -> str:
        return f"{self.employee_name} · {self.created_at:%Y-%m-%d}"


class SurveyInvitation(models.Model):
    """A one-time link to rate a resolved case: it expires, and it can be used once.

    Only a digest of the link's token is kept, so a copy of the database cannot answer surveys.
    """

    request = models.ForeignKey(
        Request,
        on_delete=models.CASCADE,
        related_name="survey_invitations",
        verbose_name=_("request"),
    )
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True)
    sent_to = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self) -> str:
        return f"{self.request.tracking_code} · {self.created_at:%Y-%m-%d}"


class SurveySource(models.TextChoices):
    CUSTOMER = "customer", _("Customer survey")
    PHONE_MONITORING = "phone_monitoring", _("Phone monitoring")


class SurveyResponse(models.Model):
    """One satisfaction score (1–5): a customer's answer to a survey link, or a score staff
    recorded while monitoring phone calls. Published results show aggregates only."""

    source = models.CharField(_("source"), max_length=20, choices=SurveySource.choices)
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("division"),
    )
    team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    request = models.ForeignKey(
        Request,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="survey_responses",
        verbose_name=_("request"),
    )
    invitation = models.OneToOneField(
        SurveyInvitation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="response",
        verbose_name=_("invitation"),
    )
    call = models.ForeignKey(
        "requests_desk.PhoneCall",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="monitoring_scores",
        verbose_name=_("phone call"),
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), max_length=2000, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("satisfaction score")
        verbose_name_plural = _("satisfaction scores")
        indexes = [models.Index(fields=["division", "at"], name="survey_division_at")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="survey_score_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.score}"

    def clean(self) -> None:
        """A score's team and the call it is about are its division's; both are reported at
        once."""
        problems = {
            "team": self._elsewhere(self.team, _("This team is in another division.")),
            "call": self._elsewhere(self.call, _("This call was taken in another division.")),
        }
        found = {field: message for field, message in problems.items() if message}
        if found:
            raise ValidationError(found)

    def _elsewhere(self, row, message: str) -> str | None:
        if row is None or self.division_id is None or row.division_id == self.division_id:
            return None
        return message
