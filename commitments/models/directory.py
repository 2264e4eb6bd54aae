"""The organisation and its contact directory: divisions, teams, services and people to call."""

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9\- ]{6,18}[0-9]$",
    _("Enter a phone number of digits, spaces and dashes, e.g. 02-1234-5678."),
)


class BilingualName(models.Model):
    name_ko = models.CharField(_("name (Korean)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Korean unless English is active)."""
        return self.name_en if (get_language() or "ko").startswith("en") else self.name_ko


class Division(BilingualName):
    """A head office; its calendar decides business time for every case it owns."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description_ko = models.TextField(_("description (Korean)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    calendar = models.ForeignKey(
        "commitments.Calendar",
        on_delete=models.PROTECT,
        related_name="divisions",
        verbose_name=_("business calendar"),
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_divisions",
        verbose_name=_("division head"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")


class Team(BilingualName):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="teams", verbose_name=_("division")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_teams",
        verbose_name=_("team manager"),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="teams", verbose_name=_("members")
    )
    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        ordering = ["division__code", "code"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")


class Service(BilingualName):
    """A task line customers call about (e.g. Trade Conclusions (IT-HUB))."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="services", verbose_name=_("division")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("team"),
    )
    representative_phone = models.CharField(
        _("representative phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["division__code", "code"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def clean(self) -> None:
        if self.team_id and self.division_id and self.team.division_id != self.division_id:
            raise ValidationError({"team": _("The team must belong to the service's division.")})


class ContactRole(models.TextChoices):
    PRIMARY = "primary", _("Person in charge")
    DEPUTY = "deputy", _("Deputy")


class ContactQuerySet(models.QuerySet):
    def effective_on(self, day: date) -> "ContactQuerySet":
        return self.filter(effective_from__lte=day).filter(
            models.Q(effective_until__isnull=True) | models.Q(effective_until__gte=day)
        )


class Contact(models.Model):
    """A row of a service's contact table, effective-dated so changes can be planned ahead."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("service")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact_entries",
        verbose_name=_("portal user"),
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    role = models.CharField(
        _("role"), max_length=10, choices=ContactRole.choices, default=ContactRole.PRIMARY
    )
    phone = models.CharField(_("phone"), max_length=20, validators=[phone_validator])
    mobile = models.CharField(_("mobile"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("e-mail"))
    on_call = models.BooleanField(
        _("on call for nights and weekends"),
        default=False,
        help_text=_("Listed on the public emergency contact network outside business hours."),
    )
    effective_from = models.DateField(_("effective from"), default=date(2026, 1, 1))
    effective_until = models.DateField(_("effective until"), null=True, blank=True)
    history = HistoricalRecords()

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["service__code", "role", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(effective_until__isnull=True)
                | models.Q(effective_until__gte=models.F("effective_from")),
                name="contact_effective_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.service.code})"

    def clean(self) -> None:
        if (
            self.effective_until
            and self.effective_from
            and self.effective_until < self.effective_from
        ):
            raise ValidationError(
                {"effective_until": _("The end date must not be before the start date.")}
            )


class Language(models.TextChoices):
    KO = "ko", _("Korean")
    EN = "en", _("English")


class StaffProfile(models.Model):
    """How to reach a member of staff: the language and channels their notifications use."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    phone = models.CharField(
        _("mobile phone"), max_length=20, blank=True, validators=[phone_validator]
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.KO
    )
    notify_by_email = models.BooleanField(_("notify by e-mail"), default=True)
    notify_by_sms = models.BooleanField(_("notify by SMS"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)
