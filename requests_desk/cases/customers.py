"""Customers: find the contact a request names, or create them."""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from commitments.models.directory import phone_validator
from requests_desk.cases._common import clean_text
from requests_desk.cases.errors import DeskError
from requests_desk.models import CustomerContact, Organisation


def customer_find_or_create(
    *, name: str, organisation: str, email: str, phone: str = ""
) -> CustomerContact:
    """The contact with this e-mail at this organisation (both matched case-insensitively), or a
    new one. An existing contact keeps their name; a phone number fills in a missing one."""
    name = clean_text(name, field="name", limit=100, required=True)
    organisation = clean_text(organisation, field="organisation", limit=200, required=True)
    email = clean_text(email, field="email", limit=254, required=True).lower()
    phone = _checked_phone(phone)
    try:
        validate_email(email)
    except ValidationError:
        raise DeskError({"email": [_("Enter a valid e-mail address.")]}) from None
    with transaction.atomic():
        org = organisation_find_or_create(name=organisation)
        contact = CustomerContact.objects.filter(organisation=org, email__iexact=email).first()
        if contact is None:
            return _create(org, name=name, email=email, phone=phone)
        if phone and not contact.phone:
            contact.phone = phone
            contact.save(update_fields=["phone"])
        return contact


def caller_find_or_create(*, name: str, organisation: str, phone: str = "") -> CustomerContact:
    """A caller who gave no e-mail: the contact at the organisation with this phone, else with
    this name and no e-mail, else a new contact without e-mail."""
    name = clean_text(name, field="caller_name", limit=100, required=True)
    organisation = clean_text(organisation, field="organisation", limit=200, required=True)
    phone = _checked_phone(phone, field="caller_phone")
    with transaction.atomic():
        org = organisation_find_or_create(name=organisation)
        contacts = CustomerContact.objects.filter(organisation=org)
        contact = (phone and contacts.filter(phone=phone).first()) or contacts.filter(
            name=name
        ).order_by("pk").first()
        return contact or _create(org, name=name, email="", phone=phone)


def organisation_find_or_create(*, name: str) -> Organisation:
    org = Organisation.objects.filter(name__iexact=name).first()
    if org is None:
        try:
            with transaction.atomic():
                org = Organisation.objects.create(name=name)
        except IntegrityError:  # created by a concurrent request a moment ago
            org = Organisation.objects.get(name__iexact=name)
    return org


def _create(org: Organisation, *, name: str, email: str, phone: str) -> CustomerContact:
    try:
        with transaction.atomic():
            return CustomerContact.objects.create(
                organisation=org, name=name, email=email, phone=phone
            )
    except IntegrityError:
        return CustomerContact.objects.get(organisation=org, email__iexact=email)


def _checked_phone(phone, *, field: str = "phone") -> str:
    phone = clean_text(phone, field=field, limit=20, required=False)
    if phone:
        try:
            phone_validator(phone)
        except ValidationError as error:
            raise DeskError({field: error.messages}) from None
    return phone
