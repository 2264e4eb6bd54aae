"""Customers: find the contact a request names, or create them; the details a homepage case
gave, which staff may accept; where messages about a case may go."""

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.access import divisions_of
from commitments.bulk import row_insert, rows_insert
from requests_desk.cases._common import bump, lock
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import (
    Activity,
    ActivityEvent,
    ActivityKind,
    CustomerContact,
    CustomerDataRead,
    HomepageSubmission,
    Organisation,
    Request,
)
from requests_desk.vocabulary import Channel


def customer_find_or_create(
    *, name: str, organisation: str, email: str, phone: str = "", public: bool = False
) -> CustomerContact:
    """The contact with this e-mail at this organisation (both matched case-insensitively), or a
    new one. An existing contact keeps their name; a phone number fills in a missing one.

    ``public`` input (the homepage, anyone) never changes an existing contact at all, and a new
    contact it creates is not ``confirmed``: the details stay on the case
    (:class:`HomepageSubmission`) for staff to accept (:func:`customer_details_accept`).

    What was typed is matched with its surrounding spaces trimmed and the e-mail lower-cased."""
    contact = CustomerContact(
        name=name.strip(), email=email.strip().lower(), phone=(phone or "").strip()
    )
    if not contact.email:  # a customer is found by e-mail: one is needed
        raise DeskError({"email": [_("This field is required.")]})
    full_clean(contact, exclude=["organisation"], validate_unique=False)
    # The writes below keep their own savepoints (a twin created concurrently): none here.
    with transaction.atomic(savepoint=False):
        org, existing = _organisation_and_contact(organisation, email=contact.email)
        if existing is None:
            contact.confirmed = not public
            return _create(org, contact)
        if not public and contact.phone and not existing.phone:
            existing.phone = contact.phone
            existing.save(update_fields=["phone"])
        return existing


def customer_add(*, name: str, organisation: str, email: str) -> CustomerContact:
    """A new contact with this e-mail at this organisation (created if new), for a caller who
    has just looked for a contact with this e-mail and found none (an e-mail from an address
    the desk does not know): :func:`customer_find_or_create` without its look-up. Should a
    twin appear meanwhile (a concurrent e-mail from the same address), that contact is
    returned untouched."""
    contact = CustomerContact(name=name.strip(), email=email.strip().lower(), confirmed=True)
    if not contact.email:
        raise DeskError({"email": [_("This field is required.")]})
    full_clean(contact, exclude=["organisation"], validate_unique=False)
    return _create(organisation_find_or_create(name=organisation), contact)


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


def _organisation_and_contact(
    name: str, *, email: str
) -> tuple[Organisation, CustomerContact | None]:
    """The organisation of this name (created if new) and its contact with this e-mail, if
    any: one query when the organisation is known, as it mostly is."""
    org = Organisation(name=name.strip())
    full_clean(org, validate_unique=False, rename={"name": "organisation"})
    found, contact_id = _organisation_with_contact(org.name, email=email)
    if found is None:
        return organisation_find_or_create(name=name), None
    if contact_id is None:
        return found, None
    existing = CustomerContact.objects.get(pk=contact_id)
    existing.organisation = found
    return found, existing


#: ``Organisation.objects.filter(name__iexact=…).annotate(contact_id=…).first()`` written out:
#: the ORM built and compiled that query for every complaint, a tenth of its CPU.
_ORGANISATION_WITH_CONTACT = """
    SELECT o.id, o.name, (
        SELECT c.id FROM requests_desk_customercontact c
        WHERE c.organisation_id = o.id AND UPPER(c.email) = UPPER(%s)
        ORDER BY c.name, c.id LIMIT 1
    )
    FROM requests_desk_organisation o WHERE UPPER(o.name) = UPPER(%s)
    ORDER BY o.name LIMIT 1
"""


def _organisation_with_contact(name: str, *, email: str) -> tuple[Organisation | None, int | None]:
    """The organisation of this name (case-insensitively) and the key of its contact with this
    e-mail (the first by name), in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_ORGANISATION_WITH_CONTACT, [email, name])
        row = cursor.fetchone()
    if row is None:
        return None, None
    *values, contact_id = row
    # The other fields are read if asked for (no database converts its own way then).
    return Organisation.from_db(connection.alias, ["id", "name"], values), contact_id


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
    if not contact.email:  # only an e-mail at an organisation is unique: nothing to wait for
        contact.save()
        return contact
    # ``ON CONFLICT DO NOTHING`` instead of a savepoint: a twin created concurrently a moment
    # ago is read instead. The INSERT is raw: ``created_at`` is set here, not by the field.
    contact.created_at = timezone.now()
    if row_insert(contact, unless_taken=("organisation", "email")):
        return contact
    return CustomerContact.objects.get(organisation=org, email__iexact=contact.email)


# --- Details given on a homepage case ---------------------------------------------------------

#: The customer's fields a homepage case can give, and the submission's field that keeps each.
GIVEN_FIELDS = {"name": "given_name", "phone": "given_phone"}


def _submission(request: Request) -> HomepageSubmission | None:
    return HomepageSubmission.objects.filter(request_id=request.pk).first()


def customer_details_given(request: Request) -> dict[str, str]:
    """What the customer typed on this homepage case that differs from their record (and was
    not accepted yet): ``{"name": …, "phone": …}``, only the fields that differ. Only a
    homepage case has a submission to read."""
    if request.channel != Channel.HOMEPAGE:
        return {}
    submission = _submission(request)
    if submission is None or submission.details_accepted_at is not None:
        return {}
    customer = request.customer
    given = {}
    for field, kept_as in GIVEN_FIELDS.items():
        value = getattr(submission, kept_as)
        if value and value != getattr(customer, field):
            given[field] = value
    return given


def customer_details_accept(request: Request, *, actor) -> dict[str, str]:
    """A staff member accepts the details given on this case: the customer's record takes them
    and counts as confirmed; the timeline says what changed. Returns the fields changed."""
    with transaction.atomic():
        locked = lock(request)
        given = customer_details_given(locked)
        submission = _submission(locked)
        if submission is None:
            raise DeskError({"__all__": [_("This case did not come from the homepage.")]})
        customer = CustomerContact.objects.select_for_update().get(pk=locked.customer_id)
        before = {field: getattr(customer, field) for field in given}
        for field, value in given.items():
            setattr(customer, field, value)
        customer.confirmed = True
        full_clean(customer, validate_unique=False)
        customer.save(update_fields=[*given, "confirmed"])
        now = timezone.now()
        submission.details_accepted_at, submission.details_accepted_by = now, actor
        submission.save(update_fields=["details_accepted_at", "details_accepted_by"])
        if given:
            Activity.objects.create(
                request=locked,
                kind=ActivityKind.CHANGE,
                event=ActivityEvent.CHANGED,
                at=now,
                recorded_at=now,
                actor=actor,
                data={
                    "fields": [f"customer_{field}" for field in given],
                    "changes": [
                        {"field": f"customer_{field}", "old": before[field] or None, "new": value}
                        for field, value in given.items()
                    ],
                },
            )
            bump(locked)
    request.refresh_from_db()
    return given


def customer_language(request: Request, *, default: str = "ko") -> str:
    """The language the customer wrote in on the homepage when filing ``request`` (``ko`` or
    ``en``); ``default`` when it is not known (a case logged by staff or read from an e-mail)."""
    try:
        language = request.submission.language or ""
    except HomepageSubmission.DoesNotExist:
        language = ""
    language = language.split("-")[0].lower()
    return language if language in ("ko", "en") else default


def case_phone(request: Request) -> str:
    """The phone number messages about this case may go to: the one the customer gave on this
    very case, else the customer's number if staff confirmed it; never a number someone else
    typed on another case."""
    submission = _submission(request)
    if submission is not None and submission.given_phone:
        return submission.given_phone
    return request.customer.phone if request.customer.confirmed else ""


# --- The customer directory, by division -----------------------------------------------------


def customers_in_divisions(divisions: set[int] | None) -> QuerySet[CustomerContact]:
    """The contacts staff of ``divisions`` may see (``None``: all): those with a case in one of
    the divisions, and those of an organisation one of the divisions serves."""
    contacts = CustomerContact.objects.all()
    if divisions is None:
        return contacts
    has_case = Request.objects.filter(customer=OuterRef("pk"), division__in=divisions)
    served = Organisation.divisions.through.objects.filter(
        organisation=OuterRef("organisation"), division__in=divisions
    )
    return contacts.filter(Q(Exists(has_case)) | Q(Exists(served)))


def customers_visible_to(user) -> QuerySet[CustomerContact]:
    """The contacts ``user`` may see; any other answers as if it did not exist."""
    return customers_in_divisions(divisions_of(user))


def personal_data_read(user, contacts, *, via: str) -> None:
    """Record that ``user`` read these contacts' personal data (kept for the retention
    period, shown to admins)."""
    ids = {contact.pk if hasattr(contact, "pk") else contact for contact in contacts}
    ids.discard(None)
    if not ids:
        return
    now = timezone.now()
    reads = [
        CustomerDataRead(
            at=now, user=user, username=user.get_username(), contact_id=pk, via=via[:40]
        )
        for pk in sorted(ids)
    ]
    # One statement made once per model and count, no transaction of its own around it: a
    # request page writes one row on every view, and Django's save() cost 2–3 times more
    # CPU to build the INSERT than rows_insert.
    rows_insert(CustomerDataRead, reads)
