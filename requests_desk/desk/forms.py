"""The desk's forms: fast entry, the request page's actions, and the list's filters.

Instants typed here are Asia/Seoul wall-clock times (the portal's time zone); dates mean that
date in Asia/Seoul. Service errors (``DeskError.message_dict``) come back onto the fields with
:func:`add_service_errors`, so a refused entry shows where the problem is and keeps what was typed.
"""

from datetime import timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.access import divisions_of, may_see_division
from commitments.models import Division, Service, Team
from commitments.models.directory import phone_validator
from requests_desk.models import CustomerContact
from requests_desk.models.requests import BODY_MAX, SUBJECT_MAX
from requests_desk.vocabulary import STATUS_FLOW, Channel, Priority, Purpose, RequestKind, Status

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


def optional_date_field(label) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=DateInput())


def text_area_field(label, *, rows: int, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label, max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": rows}), **kwargs
    )


def divisions_by_code(divisions=None):
    """Every division by code, or only those given (``None``: all)."""
    division_qs = Division.objects.order_by("code")
    if divisions is not None:
        division_qs = division_qs.filter(pk__in=divisions)
    return division_qs


def refuse_dates_before(form: forms.Form, cleaned: dict, received_at) -> None:
    """The promised dates cannot fall before the (Seoul) day the request was received."""
    received_day = timezone.localdate(received_at)
    for name in ("expected_completion", "requested_due"):
        day = cleaned.get(name)
        if day is not None and day < received_day:
            form.add_error(name, _("This date is before the request was received."))


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


# --- fast entry ---------------------------------------------------------------------------


class EntryType:
    CALL = "call"
    REQUEST = "request"
    CHOICES = [(CALL, _("Phone call")), (REQUEST, _("Request"))]


class FastEntryForm(forms.Form):
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
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    name = forms.CharField(label=_("Customer name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=20, required=False, validators=[phone_validator]
    )
    # The call: how it was answered.
    rings = forms.IntegerField(
        label=_("Rings before pick-up"), min_value=0, max_value=99, required=False, initial=1
    )
    greeting_given = forms.BooleanField(
        label=_("Position, name and greeting given"), required=False, initial=True
    )
    apology_given = forms.BooleanField(label=_("Apologised for the late answer"), required=False)
    person_absent = forms.BooleanField(label=_("Person in charge absent"), required=False)
    person_in_charge = UserChoiceField(
        label=_("Person in charge"), queryset=desk_users(), required=False
    )
    # The case.
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", "—"), *RequestKind.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[c for c in Channel.choices if c[0] != Channel.SMS],
        initial=Channel.PHONE,
        help_text=_("A phone call is always logged on the phone channel."),
    )
    division = NamedChoiceField(label=_("Division"), queryset=Division.objects.none())
    service = NamedChoiceField(label=_("Service"), queryset=Service.objects.none(), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial="normal")
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    details = text_area_field(_("Details"), rows=4, required=False)
    received_at = past_instant_field(
        _("Received at"), _("Leave empty for now. Asia/Seoul time; never in the future.")
    )
    expected_completion = optional_date_field(_("Expected completion"))
    requested_due = optional_date_field(_("Requested due date"))
    assign_to_me = forms.BooleanField(label=_("Assign to me"), required=False, initial=True)

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
        self.fields["service"].queryset = Service.objects.filter(
            division__in=division_qs
        ).select_related("division")
        # The person in charge must work in the call's division (the service checks which).
        self.fields["person_in_charge"].queryset = desk_users(divisions)
        self.fields["name"].widget.attrs.update(autocomplete="off", list="contact-options")
        self.fields["organisation"].widget.attrs.update(
            autocomplete="organization", list="organisation-options"
        )
        self.fields["subject"].widget.attrs["maxlength"] = SUBJECT_MAX

    @property
    def is_call(self) -> bool:
        return self.cleaned_data.get("entry_type") == EntryType.CALL

    def clean(self):
        cleaned = super().clean()
        is_call = cleaned.get("entry_type") == EntryType.CALL
        if is_call:
            cleaned["channel"] = Channel.PHONE
            if cleaned.get("rings") is None and "rings" not in self.errors:
                self.add_error("rings", _("How many times did it ring before you answered?"))
            cleaned["kind"] = cleaned.get("kind") or RequestKind.SUPPORT_INQUIRY
        else:
            if not cleaned.get("kind") and "kind" not in self.errors:
                self.add_error("kind", _("Choose the kind of request."))
            if (
                not cleaned.get("contact")
                and not cleaned.get("email")
                and "email" not in self.errors
            ):
                self.add_error("email", _("A request needs the customer's e-mail."))
            if not cleaned.get("contact") and not cleaned.get("organisation"):
                self.add_error("organisation", _("A request needs the customer's organisation."))
        division, service = cleaned.get("division"), cleaned.get("service")
        if division and service and service.division_id != division.pk:
            self.add_error("service", _("This service belongs to another division."))
        if "received_at" not in self.errors:
            # Empty means "now"; a mistyped one is already an error, and comparing the dates
            # with "now" instead would add a second, misleading one.
            refuse_dates_before(self, cleaned, cleaned.get("received_at") or timezone.now())
        return cleaned


# --- the request page's actions -----------------------------------------------------------


class VersionedForm(forms.Form):
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


class CommunicateForm(forms.Form):
    prefix = "communicate"
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    summary = text_area_field(_("What the customer was told"), rows=3)
    told_person = forms.CharField(label=_("Person told"), max_length=100, required=False)
    at = past_instant_field(_("At"), _("Leave empty for now."))


class TransferForm(VersionedForm):
    prefix = "transfer"
    to = forms.ChoiceField(label=_("Transfer to"))
    handoff_note = text_area_field(
        _("Hand-off note"),
        rows=3,
        help_text=_(
            "What the next handler needs to know, so the customer never repeats themselves."
        ),
        error_messages={"required": _("Write a hand-off note: the next handler reads it first.")},
    )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people and teams of the request's division can take it over.
        division = case.division_id
        people = desk_users().filter(
            Q(teams__division=division)
            | Q(managed_teams__division=division)
            | Q(headed_divisions=division)
        )
        teams = Team.objects.filter(division=division).order_by("code")
        self.fields["to"].choices = [
            ("", "—"),
            (_("People"), [(f"user:{u.pk}", user_label(u)) for u in people]),
            (_("Teams"), [(f"team:{t.pk}", t.name) for t in teams]),
        ]

    def clean_to(self):
        kind, _sep, pk = self.cleaned_data["to"].partition(":")
        if kind == "user":
            return {"to_user": desk_users().get(pk=pk)}
        return {"to_team": Team.objects.get(pk=pk)}


class StatusForm(VersionedForm):
    prefix = "status"
    status = forms.ChoiceField(label=_("New status"))
    note = forms.CharField(label=_("Note"), max_length=BODY_MAX, required=False)

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (s, Status(s).label) for s in STATUS_FLOW.get(Status(current), ())
        ]


class DatesForm(VersionedForm):
    prefix = "dates"
    expected_completion = optional_date_field(_("Expected completion"))
    requested_due = optional_date_field(_("Requested due date"))

    def __init__(self, *args, received_at=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.received_at = received_at

    def clean(self):
        cleaned = super().clean()
        if self.received_at is not None:
            refuse_dates_before(self, cleaned, self.received_at)
        return cleaned


class TeamChoiceField(forms.ModelChoiceField):
    """Teams of several divisions: each shown with its division."""

    def label_from_instance(self, obj) -> str:
        return f"{obj.division.name} / {obj.name}"


class ServiceChoiceField(TeamChoiceField):
    pass


class EditForm(VersionedForm):
    """Change a request's details; a change of kind, division or priority moves its clocks."""

    prefix = "edit"
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    division = NamedChoiceField(label=_("Division"), queryset=Division.objects.all())
    team = TeamChoiceField(
        label=_("Team"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("The division's default team"),
    )
    service = ServiceChoiceField(
        label=_("Service"), queryset=Service.objects.none(), required=False
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = text_area_field(_("Details"), rows=3, required=False)
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
        visible = divisions_by_code(divisions_of(user))
        # Any division is accepted here so that a foreign one gets a clear refusal in
        # clean_division; only the user's own are offered.
        self.fields["division"].widget.choices = [(d.pk, d.name) for d in visible]
        self.fields["team"].queryset = (
            Team.objects.filter(division__in=visible)
            .select_related("division")
            .order_by("division__code", "code")
        )
        self.fields["service"].queryset = (
            Service.objects.filter(division__in=visible)
            .select_related("division")
            .order_by("division__code", "code")
        )
        self.fields["subject"].widget.attrs["maxlength"] = SUBJECT_MAX

    @classmethod
    def initial_for(cls, case) -> dict:
        return {
            "version": case.version,
            "kind": case.kind,
            "division": case.division_id,
            "team": case.team_id,
            "service": case.service_id,
            "priority": case.priority,
            "subject": case.subject,
            "body": case.body,
        }

    def clean_division(self):
        division = self.cleaned_data["division"]
        if not may_see_division(self.user, division.pk):
            raise forms.ValidationError(
                _("You cannot move a request to a division you do not work in.")
            )
        return division

    def clean(self):
        cleaned = super().clean()
        division, service = cleaned.get("division"), cleaned.get("service")
        if division and service and service.division_id != division.pk:
            self.add_error("service", _("This service belongs to another division."))
        return cleaned


class UnderAnHourForm(forms.Form):
    """No fields: the button says it all; a refusal comes back at the top of it."""

    prefix = "hour"


class NoteForm(forms.Form):
    prefix = "note"
    text = text_area_field(_("Note"), rows=2)


class VisitForm(forms.Form):
    prefix = "visit"
    appointment_agreed = forms.BooleanField(
        label=_("Appointment agreed with the customer"), required=False, initial=True
    )
    appointment_at = forms.DateTimeField(
        label=_("Appointment"), required=False, widget=DateTimeLocalInput()
    )
    visited_at = forms.DateTimeField(
        label=_("Visited at"), widget=DateTimeLocalInput(), validators=[past_instant]
    )
    results_explained_to = forms.CharField(label=_("Results explained to"), max_length=100)
    summary = text_area_field(_("Summary"), rows=2, required=False)
    purpose = forms.ChoiceField(
        label=_("Counts as"), choices=Purpose.choices, initial=Purpose.RESULT
    )


class CallbackForm(forms.Form):
    prefix = "callback"
    call = forms.IntegerField(widget=forms.HiddenInput)
    at = past_instant_field(_("Called back at"), _("Leave empty for now."))


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

    def __init__(self, *args, divisions=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions_by_code(divisions)
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody (team queue)")),
            *[(str(u.pk), user_label(u)) for u in desk_users()],
        ]
