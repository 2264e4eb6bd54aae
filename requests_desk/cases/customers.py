"""Customers: find the contact a request names, or create them."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import CustomerContact, Organisation


def customer_find_or_create(
    *, name: str, organisation: str, email: str, phone: str = ""
) -> CustomerContact:
    """The contact with this e-mail at this organisation (both matched case-insensitively), or a
    new one. An existing contact keeps their name; a phone number fills in a missing one.

    What was typed is matched with its surrounding spaces trimmed and the e-mail lower-cased."""
    contact = CustomerContact(
        name=name.strip(), email=email.strip().lower(), phone=(phone or "").strip()
    )
    if not contact.email:  # a customer is found by e-mail: one is needed
        raise DeskError({"email": [_("This field is required.")]})
    full_clean(contact, exclude=["organisation"], validate_unique=False)
    # The writes below keep their own savepoints (a twin created concurrently): none here.
    with transaction.atomic(savepoint=False):
        org = organisation_find_or_create(name=organisation)
        found = CustomerContact.objects.filter(organisation=org, email__iexact=contact.email)
        existing = found.first()
        if existing is None:
            return _create(org, contact)
        if contact.phone and not existing.phone:
            existing.phone = contact.phone
            existing.save(update_fields=["phone"])
        return existing


def caller_find_or_create(*, name: str, organisation: str, phone: str = "") -> CustomerContact:
    """A caller who gave no e-mail: the contact at the organisation with this phone, else with
    this name and no e-mail, else a new contact without e-mail."""
    contact = CustomerContact(name=name.strip(), phone=(phone or "").strip())
    full_clean(
        contact,
        exclude=["organisation"],
        validate_unique=False,
        rename={"name": "caller_name", "phone": "caller_phone"},
    )
    with transaction.atomic():
        org = organisation_find_or_create(name=organisation)
        contacts = CustomerContact.objects.filter(organisation=org)
        found = (contact.phone and contacts.filter(phone=contact.phone).first()) or contacts.filter(
            name=contact.name
        ).order_by("pk").first()
        return found or _create(org, contact)


def organisation_find_or_create(*, name: str) -> Organisation:
    """The organisation of this name (matched case-insensitively), or a new one."""
    org = Organisation(name=name.strip())
    full_clean(org, validate_unique=False, rename={"name": "organisation"})
    found = Organisation.objects.filter(name__iexact=org.name).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            org.save()
    except IntegrityError:  # created by a concurrent request a moment ago
        org = Organisation.objects.get(name__iexact=org.name)
    return org


def _create(org: Organisation, contact: CustomerContact) -> CustomerContact:
    contact.organisation = org
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        return CustomerContact.objects.get(organisation=org, email__iexact=contact.email)
    return contact
