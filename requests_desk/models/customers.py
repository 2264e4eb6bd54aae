"""Customers: the organisations we serve and the people there who talk to us."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Division
from commitments.models.directory import phone_validator

# A person's name and an organisation's, wherever the desk takes one (callers included).
NAME_MAX = 100
ORGANISATION_MAX = 200


class Organisation(models.Model):
    """A securities firm, exchange, pension fund … that our services are for."""

    name = models.CharField(_("name"), max_length=ORGANISATION_MAX, unique=True)
    # Staff of these divisions see the organisation's contacts in the customer directory (they
    # see a customer with a case in their divisions anyway).
    divisions = models.ManyToManyField(
        Division,
        blank=True,
        related_name="organisations",
        verbose_name=_("served by divisions"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("customer organisation")
        verbose_name_plural = _("customer organisations")
        # An organisation is found by its name, case-insensitively (organisation_find_or_create).
        indexes = [models.Index(Upper("name"), name="organisation_name_upper")]

    def __str__(self) -> str:
        return self.name


class CustomerContact(models.Model):
    """A person at a customer organisation; a request names the one who asked."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="contacts",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=NAME_MAX)
    # Blank for a caller who gave none; a request from the homepage or by e-mail always has one.
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    position = models.CharField(_("position"), max_length=100, blank=True)
    # A contact first seen on the homepage is not confirmed: what they typed was nobody's check,
    # so no SMS goes to that phone except about the case it was given on. Staff confirm it by
    # accepting the details given on a case (or by entering the contact themselves).
    confirmed = models.BooleanField(
        _("details confirmed"),
        default=True,
        help_text=_("The name and phone were entered or accepted by staff."),
    )
    # The services this person receives notices of whether or not they ever filed a request:
    # an incident's announcement reaches them with the customers who did.
    subscribed_services = models.ManyToManyField(
        "commitments.Service",
        blank=True,
        related_name="subscribers",
        verbose_name=_("subscribed services"),
        help_text=_("Incidents on these services are announced to this person."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        verbose_name = _("customer contact")
        verbose_name_plural = _("customer contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=~models.Q(email=""),
                name="one_contact_per_organisation_email",
            )
        ]
        indexes = [
            # How a contact is found (customer_find_or_create): by organisation and e-mail,
            # case-insensitively, without reading the organisation's other contacts.
            models.Index(F("organisation"), Upper("email"), name="contact_organisation_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"


class CustomerDataRead(models.Model):
    """A member of staff read a customer's personal data (the access record Korean
    personal-information rules ask for): who, when, which contact, and where. Kept for
    ``CHARTER_RETENTION_DAYS``; admins read them, nobody edits them."""

    at = models.DateTimeField(_("read at"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("user name"), max_length=150)
    contact = models.ForeignKey(
        CustomerContact, on_delete=models.CASCADE, related_name="reads", verbose_name=_("customer")
    )
    via = models.CharField(_("where"), max_length=40)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("customer data read")
        verbose_name_plural = _("customer data reads")

    def __str__(self) -> str:
        return f"{self.username} · {self.contact_id} · {self.at:%Y-%m-%d %H:%M}"
