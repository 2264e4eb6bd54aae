"""Fast entry: a phone call or a request logged in seconds, and the customer look-up behind it."""

from django.contrib import messages
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from commitments.access import divisions_of
from commitments.models import Division
from commitments.numbers import plain_id
from requests_desk.cases import (
    DeskError,
    call_log,
    customer_find_or_create,
    request_create,
    request_update,
)
from requests_desk.cases.customers import customers_visible_to, personal_data_read
from requests_desk.desk.forms import EntryType, FastEntryForm, add_service_errors
from requests_desk.desk.views.common import desk_view
from requests_desk.models import Organisation

ORGANISATION_OPTIONS = 300
SEARCH_RESULTS = 10


@desk_view
def new(request):
    divisions = divisions_of(request.user)
    if request.method == "POST":
        form = FastEntryForm(request.POST, divisions=divisions)
        if form.is_valid():
            try:
                case = _save(form, actor=request.user)
            except DeskError as error:
                add_service_errors(form, error, FastEntryForm.SERVICE_FIELDS)
            else:
                if form.is_call:
                    text = _("Call logged as request %(code)s.")
                else:
                    text = _("Request %(code)s logged.")
                messages.success(request, text % {"code": case.tracking_code})
                return redirect("desk:request-detail", pk=case.pk)
    else:
        form = FastEntryForm(initial=_initial(request, divisions), divisions=divisions)
    organisations = Organisation.objects.order_by("name").values_list("name", flat=True)
    return render(
        request,
        "requests_desk/new.html",
        {"form": form, "organisations": organisations[:ORGANISATION_OPTIONS]},
    )


def _initial(request, divisions) -> dict:
    """Defaults: the user's first division; the caller's details when a contact is given."""
    initial = {}
    allowed = Division.objects.order_by("code")
    if divisions is not None:
        allowed = allowed.filter(pk__in=divisions)
    first = allowed.filter(teams__members=request.user).first() or allowed.first()
    if first is not None:
        initial["division"] = first.pk
    if request.GET.get("type") in (EntryType.CALL, EntryType.REQUEST):
        initial["entry_type"] = request.GET["type"]
    contact_id = plain_id(request.GET.get("contact", ""))
    if contact_id is not None:
        # A contact outside the user's divisions is as unknown as one that does not exist.
        contact = (
            customers_visible_to(request.user)
            .select_related("organisation")
            .filter(pk=int(contact_id))
            .first()
        )
        if contact is not None:
            personal_data_read(request.user, [contact], via="desk:new")
            initial.update(
                contact=contact.pk,
                name=contact.name,
                organisation=contact.organisation.name,
                email=contact.email,
                phone=contact.phone,
            )
    return initial


@transaction.atomic
def _save(form: FastEntryForm, *, actor):
    """Create the call (which opens its request) or the request; one transaction for all."""
    data = form.cleaned_data
    details = form.request_details()
    customer = data.get("contact")
    if (
        customer is not None
        and data.get("email")
        and data["email"].lower() != customer.email.lower()
    ):
        customer = None  # a chosen contact, then another e-mail typed: the typing wins
    if customer is None and data.get("email"):
        customer = customer_find_or_create(
            name=data["name"],
            organisation=data.get("organisation") or "",
            email=data["email"],
            phone=data.get("phone") or "",
        )
    assignee = actor if data.get("assign_to_me") else None
    if not form.is_call:
        return request_create(
            actor=actor,
            customer=customer,
            channel=data["channel"],
            received_at=data.get("received_at"),
            assignee=assignee,
            **details,
        )
    call = call_log(
        actor=actor,
        caller_name=data["name"],
        caller_phone=data.get("phone") or "",
        organisation=data.get("organisation") or "",
        customer=customer,
        rings=data["rings"],
        received_at=data.get("received_at"),
        greeting_given=data.get("greeting_given", False),
        apology_given=data.get("apology_given", False),
        person_absent=data.get("person_absent", False),
        person_in_charge=data.get("person_in_charge"),
        summary=details.pop("body"),
        **details,
    )
    case = call.request
    if assignee is not None and case.assignee_id is None:
        case = request_update(case, actor=actor, version=case.version, assignee=assignee)
    return case


@desk_view
def customer_search(request):
    """Contacts whose name, e-mail, phone or organisation contain ``q`` (the look-up's JSON),
    among those the user may see; each one shown is recorded as read."""
    # PostgreSQL text cannot hold NUL; a pasted one means nothing to search for.
    q = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    if len(q) < 2:
        return JsonResponse({"results": []})
    contacts = (
        customers_visible_to(request.user)
        .select_related("organisation")
        .filter(
            Q(name__icontains=q)
            | Q(email__icontains=q)
            | Q(phone__icontains=q)
            | Q(organisation__name__icontains=q)
        )
        .order_by("organisation__name", "name")[:SEARCH_RESULTS]
    )
    contacts = list(contacts)
    personal_data_read(request.user, contacts, via="desk:customer-search")
    return JsonResponse(
        {
            "results": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "organisation": c.organisation.name,
                    "email": c.email,
                    "phone": c.phone,
                }
                for c in contacts
            ]
        }
    )
