"""The desk's forms: fast entry, the request page's actions, and the list's filters.

A field that takes something the desk stores is the model field's own form field
(:func:`model_field`): its length, choices, number limits and whether it is required come from
the model; the form only says how it is shown. The model's rules (``Model.clean``) and the
business rules are checked once, by the service; its refusals (``DeskError.message_dict``) come
back onto the fields with :func:`add_service_errors`, so a refused entry shows where the problem
is and keeps what was typed.

Instants typed here are Asia/Seoul wall-clock times (the portal's time zone); dates mean that
date in Asia/Seoul.
"""

from dataclasses import dataclass
from datetime import timedelta
from functools import partial

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.access import divisions_of, may_see_division
from commitments.memo import catalogue_remembered
from commitments.models import Division, Service, Team
from requests_desk.cases.customers import customers_in_divisions
from requests_desk.cases.replies import canned_replies_offered, canned_reply_render
from requests_desk.form_fields import FilesField, model_field
from requests_desk.models import (
    Activity,
    CannedReply,
    CustomerContact,
    Organisation,
    PhoneCall,
    Request,
    Visit,
)
from requests_desk.models.requests import ANSWER_ONLY_CHANNELS
from requests_desk.vocabulary import STATUS_FLOW, Channel, Purpose, RequestKind, Status

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
# A clock a minute fast on the client is no reason to refuse "now".
FUTURE_TOLERANCE = timedelta(minutes=2)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def instant_field(label, help_text) -> forms.DateTimeField:
    """An optional Asia/Seoul instant (empty: now); the service keeps it in time order."""
    return forms.DateTimeField(
        label=label, required=False, widget=DateTimeLocalInput(), help_text=help_text
    )


def past_instant(value):
    if value is not None and value > timezone.now() + FUTURE_TOLERANCE:
        raise forms.ValidationError(_("This time is in the future."))


def past_instant_field(label, help_text) -> forms.DateTimeField:
    """An optional Asia/Seoul instant, never in the future."""
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=DateTimeLocalInput(),
        validators=[past_instant],
        help_text=help_text,
    )


def divisions_by_code(divisions=None):
    """Every division by code, or only those given (``None``: all)."""
    division_qs = Division.objects.order_by("code")
    if divisions is not None:
        division_qs = division_qs.filter(pk__in=divisions)
    return division_qs


@dataclass(frozen=True)
class DeskCatalogue:
    """The divisions, teams and services the request page's forms offer, each by division code
    then code (teams and services with their division)."""

    divisions: list
    teams: list
    services: list


def desk_catalogue() -> DeskCatalogue:
    """The divisions, teams and services, read once per process until the catalogue changes
    (every save or delete of one of them moves its version): the request page's transfer and
    edit forms offered them with four queries on every view."""

    def load() -> DeskCatalogue:
        by_code = ("division__code", "code")
        return DeskCatalogue(
            divisions=list(Division.objects.order_by("code")),
            teams=list(Team.objects.select_related("division").order_by(*by_code)),
            services=list(Service.objects.select_related("division").order_by(*by_code)),
        )

    return catalogue_remembered("desk-catalogue", (), load)


def catalogue_attach(requests: list, *, catalogue: DeskCatalogue | None = None) -> list:
    """Give each of ``requests`` its division, team and service from :func:`desk_catalogue`
    (or ``catalogue``, as the page already has it) instead of joining them (a list's query
    with three joins more took PostgreSQL 7–12 ms to plan at a million requests); one missing
    from it is read when shown, as without this."""
    catalogue = catalogue or desk_catalogue()
    for field, rows in (
        (Request.division.field, catalogue.divisions),
        (Request.team.field, catalogue.teams),
        (Request.service.field, catalogue.services),
    ):
        by_id = {row.pk: row for row in rows}
        for request in requests:
            key = getattr(request, field.attname)
            if key is None:
                field.set_cached_value(request, None)
            elif key in by_id:
                field.set_cached_value(request, by_id[key])
    return requests


def offer_rows(field: forms.ModelChoiceField, rows) -> None:
    """Show ``rows`` (already read) as ``field``'s options, as its queryset would list them;
    the queryset still checks what is sent."""
    empty = [] if field.empty_label is None else [("", field.empty_label)]
    field.widget.choices = [*empty, *((row.pk, field.label_from_instance(row)) for row in rows)]


def add_service_errors(form: forms.Form, error, field_map: dict[str, str] | None = None) -> None:
    """Put a service's field errors on the form's fields (renamed by ``field_map``); errors on
    fields the form does not have go to the top of the form."""
    field_map = field_map or {}
    for field, messages in error.message_dict.items():
        name = field_map.get(field, field)
        target = name if name in form.fields else None
        for message in messages:
            form.add_error(target, message)


def desk_users(divisions=None):
    """People a case can go to: anyone in a team, managing one, or heading a division — of
    ``divisions`` when given (``None``: any division)."""
    if divisions is None:
        works = (
            Q(teams__isnull=False)
            | Q(managed_teams__isnull=False)
            | Q(headed_divisions__isnull=False)
        )
    else:
        works = (
            Q(teams__division__in=divisions)
            | Q(managed_teams__division__in=divisions)
            | Q(headed_divisions__in=divisions)
        )
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(works)
        .distinct()
        .order_by("username")
    )


def desk_people(divisions=None) -> tuple[list, list]:
    """``desk_users()`` and ``desk_users(divisions)`` read in one query: everyone a case can go
    to, and those of them who work in ``divisions`` (the same people when ``None``: any)."""
    people = (
        get_user_model().objects.filter(is_active=True).filter(_works_in(None)).order_by("username")
    )
    if divisions is None:
        everyone = list(people)
        return everyone, list(everyone)
    everyone = list(people.annotate(works_here=_works_in(divisions)))
    return everyone, [person for person in everyone if person.works_here]


def _works_in(divisions) -> Exists:
    """Whether the person is in, manages or heads a team or division of ``divisions`` (``None``:
    of any division), as :func:`desk_users` reads it."""
    member = Team.members.through.objects.filter(user=OuterRef("pk"))
    manager = Team.objects.filter(manager=OuterRef("pk"))
    head = Division.objects.filter(head=OuterRef("pk"))
    if divisions is not None:
        member = member.filter(team__division__in=divisions)
        manager = manager.filter(division__in=divisions)
        head = head.filter(pk__in=divisions)
    return Exists(member) | Exists(manager) | Exists(head)


def user_label(user) -> str:
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return user_label(obj)


class NamedChoiceField(forms.ModelChoiceField):
    """Divisions, teams and services are shown by their name in the active language."""

    def label_from_instance(self, obj) -> str:
        return obj.name


class TeamChoiceField(forms.ModelChoiceField):
    """Teams of several divisions: each shown with its division."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.division.name} / {obj.name}"


class ServiceChoiceField(TeamChoiceField):
    pass


# --- a request's details ------------------------------------------------------------------


class DetailsMixin:
    """A form that takes some of the request's details (``DETAILS``)."""

    def request_details(self) -> dict:
        """The details this form shows, as the services take them."""
        return {name: self.cleaned_data.get(name) for name in DETAILS if name in self.fields}


class RequestDetailsForm(DetailsMixin, forms.Form):
    """What staff fill in about a request and may change later, each field as the model
    defines it. Fast entry and the edit form show these fields, the API's serializers take the
    same list (``DETAILS``), and the services take them as the request's own fields: a new
    detail is added here, on the model and in the templates."""

    kind = model_field(Request, "kind", label=_("Kind"))
    division = model_field(Request, "division", label=_("Division"), form_class=NamedChoiceField)
    team = model_field(
        Request,
        "team",
        label=_("Team"),
        form_class=TeamChoiceField,
        empty_label=_("The division's default team"),
    )
    service = model_field(Request, "service", label=_("Service"), form_class=ServiceChoiceField)
    priority = model_field(Request, "priority", label=_("Priority"))
    subject = model_field(Request, "subject", label=_("Subject"))
    body = model_field(
        Request, "body", label=_("Details"), widget=forms.Textarea(attrs={"rows": 3})
    )
    expected_completion = model_field(
        Request, "expected_completion", label=_("Expected completion"), widget=DateInput()
    )
    requested_due = model_field(
        Request, "requested_due", label=_("Requested due date"), widget=DateInput()
    )


DETAILS = tuple(RequestDetailsForm.base_fields)


# --- fast entry ---------------------------------------------------------------------------


class EntryType:
    CALL = "call"
    REQUEST = "request"
    CHOICES = [(CALL, _("Phone call")), (REQUEST, _("Request"))]


class FastEntryForm(RequestDetailsForm):
    """One form for a phone call or a request: the customer, the case, and (for calls) how the
    call was answered. Field order is tab order."""

    entry_type = forms.ChoiceField(
        label=_("What are you logging?"),
        choices=EntryType.CHOICES,
        initial=EntryType.CALL,
        widget=forms.RadioSelect,
    )
    # Set by the look-up (desk.js) or by ?contact=<id>; without it the typed name, organisation
    # and e-mail find or create the customer.
    contact = forms.ModelChoiceField(
        queryset=CustomerContact.objects.all(), required=False, widget=forms.HiddenInput
    )
    organisation = model_field(Organisation, "name", label=_("Organisation"), required=False)
    name = model_field(CustomerContact, "name", label=_("Customer name"))
    email = model_field(CustomerContact, "email", label=_("E-mail"))
    phone = model_field(CustomerContact, "phone", label=_("Phone"))
    # The call: how it was answered.
    rings = model_field(
        PhoneCall, "rings", label=_("Rings before pick-up"), required=False, initial=1
    )
    greeting_given = model_field(
        PhoneCall, "greeting_given", label=_("Position, name and greeting given")
    )
    apology_given = model_field(
        PhoneCall, "apology_given", label=_("Apologised for the late answer")
    )
    person_absent = model_field(PhoneCall, "person_absent", label=_("Person in charge absent"))
    person_in_charge = model_field(
        PhoneCall,
        "person_in_charge",
        label=_("Person in charge"),
        form_class=UserChoiceField,
        queryset=desk_users(),
    )
    # The case. A call is about a support inquiry unless said otherwise; the team follows the
    # service or the division.
    kind = model_field(Request, "kind", label=_("Kind"), required=False, empty_label="—")
    channel = model_field(
        Request,
        "channel",
        label=_("Channel"),
        choices=[c for c in Channel.choices if c[0] not in ANSWER_ONLY_CHANNELS],
        initial=Channel.PHONE,
        help_text=_("A phone call is always logged on the phone channel."),
    )
    service = model_field(Request, "service", label=_("Service"), form_class=NamedChoiceField)
    team = None
    body = None
    details = model_field(
        Request, "body", label=_("Details"), widget=forms.Textarea(attrs={"rows": 4})
    )
    received_at = instant_field(
        _("Received at"), _("Leave empty for now. Asia/Seoul time; never in the future.")
    )
    assign_to_me = forms.BooleanField(label=_("Assign to me"), required=False, initial=True)

    field_order = [
        "entry_type",
        "contact",
        "organisation",
        "name",
        "email",
        "phone",
        "rings",
        "greeting_given",
        "apology_given",
        "person_absent",
        "person_in_charge",
        "kind",
        "channel",
        "division",
        "service",
        "priority",
        "subject",
        "details",
        "received_at",
        "expected_completion",
        "requested_due",
        "assign_to_me",
    ]

    # Service field names → the fields here.
    SERVICE_FIELDS = {
        "caller_name": "name",
        "caller_phone": "phone",
        "customer": "name",
        "body": "details",
        "summary": "details",
        "customer_id": "contact",
    }

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        division_qs = divisions_by_code(divisions)
        self.fields["division"].queryset = division_qs
        # A contact outside the user's divisions is refused as if it did not exist.
        self.fields["contact"].queryset = customers_in_divisions(divisions)
        self.fields["service"].queryset = Service.objects.filter(
            division__in=division_qs
        ).select_related("division")
        # The person in charge must work in the call's division (the service checks which).
        self.fields["person_in_charge"].queryset = desk_users(divisions)
        self.fields["name"].widget.attrs.update(autocomplete="off", list="contact-options")
        self.fields["organisation"].widget.attrs.update(
            autocomplete="organization", list="organisation-options"
        )

    @property
    def is_call(self) -> bool:
        return self.cleaned_data.get("entry_type") == EntryType.CALL

    def request_details(self) -> dict:
        return {**super().request_details(), "body": self.cleaned_data.get("details") or ""}

    def clean(self):
        """What a call needs (the rings) and what a request needs (its kind, and a customer
        found by organisation and e-mail) besides the fields both share."""
        cleaned = super().clean()
        if cleaned.get("entry_type") == EntryType.CALL:
            cleaned["channel"] = Channel.PHONE
            if cleaned.get("rings") is None and "rings" not in self.errors:
                self.add_error("rings", _("How many times did it ring before you answered?"))
            cleaned["kind"] = cleaned.get("kind") or RequestKind.SUPPORT_INQUIRY
            return cleaned
        if not cleaned.get("kind") and "kind" not in self.errors:
            self.add_error("kind", _("Choose the kind of request."))
        if not cleaned.get("contact") and not cleaned.get("email") and "email" not in self.errors:
            self.add_error("email", _("A request needs the customer's e-mail."))
        if not cleaned.get("contact") and not cleaned.get("organisation"):
            self.add_error("organisation", _("A request needs the customer's organisation."))
        return cleaned


# --- the request page's actions -----------------------------------------------------------


class VersionedForm(DetailsMixin, forms.Form):
    """A form that edits the request carries the version it was shown; an older one is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def check_version(self, request_obj) -> bool:
        if self.cleaned_data["version"] != request_obj.version:
            self.add_error(None, stale_message())
            return False
        return True


def stale_message():
    return _(
        "Someone changed this request while you were editing it. Check the page as it is now, "
        "then send your change again: what you typed is kept below."
    )


class CannedReplyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        purpose = f" · {obj.get_purpose_display()}" if obj.purpose else ""
        return f"[{obj.get_language_display()}] {obj.title}{purpose}"


class CommunicateForm(forms.Form):
    prefix = "communicate"
    canned = CannedReplyChoiceField(
        label=_("Canned reply"),
        queryset=CannedReply.objects.none(),
        required=False,
        empty_label="—",
        help_text=_("Fills in the text below (with the case's details), which you may edit."),
    )
    purpose = model_field(Activity, "purpose", label=_("Purpose"), required=True)
    channel = model_field(
        Activity, "channel", label=_("Channel"), required=True, initial=Channel.PHONE
    )
    summary = model_field(
        Activity,
        "text",
        label=_("What the customer was told"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    told_person = model_field(Activity, "told_person", label=_("Person told"))
    at = instant_field(_("At"), _("Leave empty for now."))
    files = FilesField(label=_("Attachments (sent with an e-mail)"))

    def __init__(self, *args, offered: list | None = None, **kwargs):
        """``offered``: the canned replies as the page already read them (else one query asks
        whether there are any)."""
        super().__init__(*args, **kwargs)
        if offered is not None and not offered:
            del self.fields["canned"]
        elif offered:
            self.fields["canned"].queryset = canned_replies_offered()
            offer_rows(self.fields["canned"], offered)
        elif canned_replies_offered().exists():
            self.fields["canned"].queryset = canned_replies_offered()
        else:  # nothing to pick: no chooser
            del self.fields["canned"]

    def clean(self):
        data = super().clean()
        # Empty text with a canned reply chosen: the reply, rendered, is what is told.
        if not (data.get("summary") or "").strip() and not data.get("canned"):
            self.add_error("summary", forms.Field.default_error_messages["required"])
        return data

    def with_canned_reply(self, case) -> "CommunicateForm":
        """The form as sent, its text replaced by the chosen reply rendered for ``case`` and its
        purpose by the reply's (the "use this reply" button, for pages without scripts)."""
        data = self.data.copy()
        chosen = str(data.get(self.add_prefix("canned")) or "")
        reply = canned_replies_offered().filter(pk=chosen).first() if chosen.isdigit() else None
        if reply is not None:
            data[self.add_prefix("summary")] = canned_reply_render(reply, request=case)
            if reply.purpose:
                data[self.add_prefix("purpose")] = reply.purpose
        return type(self)(data)


class StopPreviewForm(forms.Form):
    """Which clocks an act would stop, asked before it is recorded (a GET, nothing written)."""

    prefix = "stops"
    purpose = model_field(Activity, "purpose", label=_("Purpose"), required=True)
    channel = model_field(Activity, "channel", label=_("Channel"), required=True)


class TransferForm(VersionedForm):
    prefix = "transfer"
    to = forms.ChoiceField(label=_("Transfer to"))
    handoff_note = model_field(
        Activity,
        "text",
        label=_("Hand-off note"),
        required=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the next handler needs to know, so the customer never repeats themselves."
        ),
        error_messages={"required": _("Write a hand-off note: the next handler reads it first.")},
    )

    def __init__(self, *args, case, choices: list | None = None, **kwargs):
        """``choices``: :func:`transfer_choices` of the request's division, when already read."""
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = choices or transfer_choices(case.division_id)

    def clean_to(self):
        kind, _sep, pk = self.cleaned_data["to"].partition(":")
        if kind == "user":
            return {"to_user": desk_users().get(pk=pk)}
        return {"to_team": Team.objects.get(pk=pk)}


def transfer_choices(division_id: int, *, catalogue: DeskCatalogue | None = None) -> list:
    """Who can take a request of the division over: its people and its teams (from
    ``catalogue`` when the page has it). The people are remembered with the catalogue: a
    person's row or a team's members changing forgets them (``requests_desk.apps``)."""
    people = catalogue_remembered(
        "transfer-people", (division_id,), partial(_people_choices, division_id)
    )
    catalogue = catalogue or desk_catalogue()
    teams = [team for team in catalogue.teams if team.division_id == division_id]
    return [
        ("", "—"),
        (_("People"), people),
        (_("Teams"), [(f"team:{t.pk}", t.name) for t in teams]),
    ]


def _people_choices(division_id: int) -> list[tuple[str, str]]:
    # Only what their labels show (user_label): a person's other columns were read and
    # compiled into the statement on every view of a request.
    people = desk_users([division_id]).only("username", "first_name", "last_name")
    return [(f"user:{u.pk}", user_label(u)) for u in people]


class StatusForm(VersionedForm):
    prefix = "status"
    status = forms.ChoiceField(label=_("New status"))
    note = model_field(Activity, "text", label=_("Note"), widget=forms.TextInput)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (s, Status(s).label) for s in STATUS_FLOW.get(Status(current), ())
        ]


class DatesForm(VersionedForm):
    """The promised dates; whether they fit the request is the model's to say."""

    prefix = "dates"
    expected_completion = RequestDetailsForm.base_fields["expected_completion"]
    requested_due = RequestDetailsForm.base_fields["requested_due"]

    @classmethod
    def initial_for(cls, case) -> dict:
        return {
            "version": case.version,
            **model_to_dict(case, fields=["expected_completion", "requested_due"]),
        }


class EditForm(VersionedForm, RequestDetailsForm):
    """Change a request's details; a change of kind, division or priority moves its clocks."""

    prefix = "edit"
    # The promised dates have a form of their own (DatesForm).
    expected_completion = None
    requested_due = None
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        required=False,
        help_text=_("Why it changed; shown on the timeline."),
    )

    # Service field names → the fields here.
    SERVICE_FIELDS = {"assignee": "division"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        allowed = divisions_of(user)
        catalogue = desk_catalogue()
        visible = [d.pk for d in catalogue.divisions if allowed is None or d.pk in allowed]
        # Any division is accepted here so that a foreign one gets a clear refusal in
        # clean_division; only the user's own are offered.
        self.fields["division"].widget.choices = [
            (d.pk, d.name) for d in catalogue.divisions if d.pk in visible
        ]
        for name, model, rows in (
            ("team", Team, catalogue.teams),
            ("service", Service, catalogue.services),
        ):
            field = self.fields[name]
            field.queryset = model.objects.filter(division__in=visible).select_related("division")
            offer_rows(field, [row for row in rows if row.division_id in visible])

    @classmethod
    def initial_for(cls, case) -> dict:
        shown = [name for name in DETAILS if name in cls.base_fields]
        return {"version": case.version, **model_to_dict(case, fields=shown)}

    def clean_division(self):
        division = self.cleaned_data["division"]
        if not may_see_division(self.user, division.pk):
            raise forms.ValidationError(
                _("You cannot move a request to a division you do not work in.")
            )
        return division


class MergeForm(VersionedForm):
    """Absorb a duplicate: the other request's tracking code, and why (kept on both)."""

    prefix = "merge"
    duplicate = model_field(
        Request,
        "tracking_code",
        label=_("Tracking code of the duplicate"),
        # Not the model's default (a new random code), which showed as if typed in.
        initial=None,
        show_hidden_initial=False,
        help_text=_(
            "It is closed, its open clocks are cancelled, and its timeline and files show here."
        ),
    )
    note = model_field(Activity, "text", label=_("Note"), widget=forms.TextInput)

    def clean_duplicate(self):
        return "".join(self.cleaned_data["duplicate"].split()).replace("-", "").upper()


class UnderAnHourForm(forms.Form):
    """No fields: the button says it all; a refusal comes back at the top of it."""

    prefix = "hour"


class AcceptDetailsForm(forms.Form):
    """No fields: the details given on the case are shown beside the button."""

    prefix = "given"


class NoteForm(forms.Form):
    prefix = "note"
    text = model_field(
        Activity, "text", label=_("Note"), required=True, widget=forms.Textarea(attrs={"rows": 2})
    )
    files = FilesField(label=_("Attachments (staff only)"))


class VisitForm(forms.Form):
    prefix = "visit"
    appointment_agreed = model_field(
        Visit, "appointment_agreed", label=_("Appointment agreed with the customer"), initial=False
    )
    appointment_at = model_field(
        Visit, "appointment_at", label=_("Appointment"), widget=DateTimeLocalInput()
    )
    visited_at = model_field(
        Visit, "visited_at", label=_("Visited at"), widget=DateTimeLocalInput()
    )
    results_explained_to = model_field(
        Visit, "results_explained_to", label=_("Results explained to")
    )
    summary = model_field(
        Visit, "summary", label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2})
    )
    purpose = model_field(
        Activity, "purpose", label=_("Counts as"), required=True, initial=Purpose.RESULT
    )


class CallbackForm(forms.Form):
    prefix = "callback"
    call = forms.IntegerField(widget=forms.HiddenInput)
    at = instant_field(_("Called back at"), _("Leave empty for now."))


# --- the list's filters -------------------------------------------------------------------


class RequestFilterForm(forms.Form):
    CLOCK_CHOICES = [
        ("", _("Any")),
        ("on_track", _("On track")),
        ("at_risk", _("At risk")),
        ("breached", _("Breached")),
        ("none", _("No running clock")),
    ]

    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *Status.choices], required=False
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("Any")), *RequestKind.choices], required=False
    )
    division = NamedChoiceField(
        label=_("Division"), queryset=Division.objects.none(), required=False, empty_label=_("Any")
    )
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    clock = forms.ChoiceField(label=_("Clock"), choices=CLOCK_CHOICES, required=False)

    def __init__(self, *args, divisions=None, user=None, people=None, **kwargs):
        """``people``: :func:`desk_users`, when already read (:func:`desk_people`)."""
        super().__init__(*args, **kwargs)
        division = self.fields["division"]
        # Offered from the catalogue remembered; a division sent is checked by a query.
        division.queryset = divisions_by_code(divisions)
        offer_rows(
            division,
            [d for d in desk_catalogue().divisions if divisions is None or d.pk in divisions],
        )
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody (team queue)")),
            *[(str(u.pk), user_label(u)) for u in (desk_users() if people is None else people)],
        ]
