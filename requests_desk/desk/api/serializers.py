"""What the desk's API reads and writes.

An input serializer's fields are the model's own (:class:`DeskModelSerializer`): their limits,
choices and whether they are required come from the model fields, and a request's details are
the list the desk's form shows (``requests_desk.desk.forms.DETAILS``). The model's rules and the
business rules are the services': they raise ``DeskError`` with field messages (a 400)."""

from django.contrib.auth import get_user_model
from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from commitments.models import Contact, Deadline, Division, Service, Team
from commitments.numbers import plain_id
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.cases.customers import customers_visible_to
from requests_desk.cases.selectors import clocks_of_requests
from requests_desk.cases.timeline_words import activity_words
from requests_desk.desk.api.fields import InstantField, OptionalEmailField
from requests_desk.desk.forms import DETAILS
from requests_desk.models import (
    Activity,
    Attachment,
    CustomerContact,
    Organisation,
    PhoneCall,
    Request,
    Visit,
)
from requests_desk.vocabulary import Purpose

CODED = (Division, Team, Service)


class DeskModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer in the API's dialect: instants carry an offset, divisions, teams and
    services are named by code, people by id (active ones only)."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: InstantField,
    }

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        related = relation_info.related_model
        if related in CODED:
            # An unknown code is a field error, like an unknown id.
            return serializers.SlugRelatedField, {**kwargs, "slug_field": "code"}
        if related is get_user_model() and "queryset" in kwargs:
            kwargs["queryset"] = kwargs["queryset"].filter(is_active=True)
        return field_class, kwargs


def model_field(model, name: str, **overrides) -> serializers.Field:
    """The serializer field DRF derives from ``model``'s field ``name`` — for a field of another
    model than the serializer's, or shown under another name — with ``overrides``. Uniqueness
    is left to the service (it finds an existing row rather than refusing one)."""
    field_class, kwargs = DeskModelSerializer().build_standard_field(
        name, model._meta.get_field(name)
    )
    kwargs["validators"] = [
        v for v in kwargs.get("validators", []) if not isinstance(v, UniqueValidator)
    ]
    return field_class(**{**kwargs, **overrides})


# --- Clocks ------------------------------------------------------------------------------------


class RequestDeadlineSerializer(serializers.ModelSerializer):
    """A clock as listed on its request."""

    commitment = serializers.CharField(source="commitment_code", read_only=True)
    due_at = InstantField(read_only=True)
    started_at = InstantField(read_only=True)
    stopped_at = InstantField(read_only=True, allow_null=True)

    class Meta:
        model = Deadline
        fields = ["id", "commitment", "due_at", "state", "started_at", "stopped_at"]
        read_only_fields = fields


def clocks_shown(serializer: serializers.Serializer, clocks) -> list[dict]:
    """``clocks`` as :class:`RequestDeadlineSerializer` shows them, through one instance kept on
    ``serializer`` (a list's one child serializer: the whole page). A new one per row built its
    fields anew each time — a third of the 25-row request list's Python time."""
    shown = serializer.__dict__.get("_clocks_serializer")
    if shown is None:
        shown = serializer._clocks_serializer = RequestDeadlineSerializer()
    return [shown.to_representation(clock) for clock in clocks]


class DeadlineSerializer(RequestDeadlineSerializer):
    """A clock in ``deadlines/``: what it is owed on, and who owns it."""

    request = serializers.SerializerMethodField()
    division = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    paused_at = InstantField(read_only=True, allow_null=True)
    target_at = InstantField(read_only=True, allow_null=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "commitment",
            "due_at",
            "state",
            "started_at",
            "stopped_at",
            "paused_at",
            "target_at",
            "stop_cause",
            "cycle",
            "subject_type",
            "subject_id",
            "subject_label",
            "request",
            "division",
            "team",
            "owner",
        ]
        read_only_fields = fields

    def get_request(self, deadline: Deadline) -> int | None:
        if deadline.subject_type == REQUEST_SUBJECT and deadline.subject_id.isdigit():
            return int(deadline.subject_id)
        return None


class ClockSkipSerializer(serializers.Serializer):
    start = InstantField()
    end = InstantField()
    reason = serializers.CharField()
    label = serializers.CharField()


class ClockPauseSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = InstantField()
    data = serializers.DictField()


class DeadlineExplanationSerializer(serializers.Serializer):
    """Why a clock is due when it is: the non-working time skipped and its pauses."""

    started_at = InstantField()
    due_at = InstantField()
    calendar = serializers.CharField()
    params = serializers.DictField()
    paused_total = serializers.DurationField()
    skipped = ClockSkipSerializer(many=True)
    pauses = ClockPauseSerializer(many=True)


# --- Customers -----------------------------------------------------------------------------


class CustomerInputSerializer(DeskModelSerializer):
    """The customer a request names, found by e-mail at their organisation or created."""

    organisation = model_field(Organisation, "name")

    class Meta:
        model = CustomerContact
        fields = ["name", "organisation", "email", "phone"]
        # A customer is found again by e-mail: a request's customer has one.
        extra_kwargs = {"email": {"required": True, "allow_blank": False}}
        # Found or created: an existing contact is not refused as a duplicate.
        validators = []


class CustomerSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)
    email = OptionalEmailField()

    class Meta:
        model = CustomerContact
        fields = ["id", "name", "organisation", "email", "phone"]
        read_only_fields = fields


# --- Requests ------------------------------------------------------------------------------


class SurvivorSerializer(serializers.ModelSerializer):
    """The request a merged one was absorbed into: where its customer is led."""

    class Meta:
        model = Request
        fields = ["id", "tracking_code"]
        read_only_fields = fields


class RequestSerializer(serializers.ModelSerializer):
    """A request as the API shows it, with its clocks; ``merged_into`` names the request that
    absorbed it (``null`` unless it was merged)."""

    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    customer = CustomerSerializer(read_only=True)
    received_at = InstantField(read_only=True)
    next_due_at = InstantField(read_only=True, allow_null=True)
    resolved_at = InstantField(read_only=True, allow_null=True)
    closed_at = InstantField(read_only=True, allow_null=True)
    created_at = InstantField(read_only=True)
    merged_into = SurvivorSerializer(read_only=True, allow_null=True)
    deadlines = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id",
            "tracking_code",
            "status",
            "channel",
            *DETAILS,
            "assignee",
            "customer",
            "received_at",
            "resolved_at",
            "closed_at",
            "created_at",
            "next_due_at",
            "version",
            "incident",
            "merged_into",
            "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestDeadlineSerializer(many=True))
    def get_deadlines(self, obj: Request) -> list[dict]:
        # Attached for a whole page by attach_clocks, else read for this one request.
        if not hasattr(obj, "_api_clocks"):
            attach_clocks([obj])
        return clocks_shown(self, obj._api_clocks)


def attach_clocks(requests) -> None:
    """Read the clocks of all ``requests`` in one query, for the page being serialized."""
    requests = list(requests)
    by_request = clocks_of_requests(requests)
    for request in requests:
        request._api_clocks = by_request[request.pk]


class VisibleCustomerField(serializers.PrimaryKeyRelatedField):
    """A customer by id, among those the caller may see: any other is refused exactly as an id
    that does not exist."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return CustomerContact.objects.none()
        return customers_visible_to(request.user)


class RequestCreateSerializer(DeskModelSerializer):
    """A request to log: its details, how it came in, and a nested ``customer`` (found or
    created) or a ``customer_id``."""

    customer = CustomerInputSerializer(required=False)
    customer_id = VisibleCustomerField(required=False)

    class Meta:
        model = Request
        fields = ["channel", "received_at", "assignee", *DETAILS, "customer", "customer_id"]

    def validate(self, attrs):
        if ("customer" in attrs) == ("customer_id" in attrs):
            raise serializers.ValidationError(
                {"customer": [_("Give either a customer or a customer_id.")]}
            )
        return attrs


# Fields that are changed through their own endpoint, or never.
NOT_PATCHED = {
    "status": _("Change the status with POST requests/{id}/status/."),
    "tracking_code": _("This field cannot be changed."),
    "customer": _("This field cannot be changed."),
}


class RequestUpdateSerializer(DeskModelSerializer):
    """A partial update; ``version`` is the one the client last read (optimistic lock)."""

    version = serializers.IntegerField(min_value=1)

    class Meta:
        model = Request
        fields = ["version", "assignee", *DETAILS]
        extra_kwargs = {name: {"required": False} for name in ["assignee", *DETAILS]}

    def validate(self, attrs):
        refused = sorted(set(self.initial_data) & set(NOT_PATCHED))
        if refused:
            raise serializers.ValidationError({name: [NOT_PATCHED[name]] for name in refused})
        if set(attrs) == {"version"}:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Nothing to change was given.")]}
            )
        return attrs


class ConflictSerializer(serializers.Serializer):
    """The answer to an edit made on an outdated version (HTTP 409)."""

    detail = serializers.CharField()
    version = serializers.ListField(child=serializers.CharField())
    current_version = serializers.IntegerField()


class StatusChangeSerializer(serializers.Serializer):
    status = model_field(Request, "status", required=True)
    at = InstantField(required=False)
    note = model_field(Activity, "text", required=False)


class UnderAnHourSerializer(serializers.Serializer):
    at = InstantField(required=False)


class TransferSerializer(serializers.Serializer):
    to = serializers.CharField(
        max_length=40,
        help_text=_("A user id (digits) or a team code."),
    )
    handoff_note = model_field(Activity, "text", required=True, allow_blank=False)

    def validate_to(self, value: str):
        value = value.strip()
        if value.isascii() and value.isdigit():
            user = get_user_model().objects.filter(pk=plain_id(value), is_active=True).first()
            if user is None:
                raise serializers.ValidationError(_("No active user has this id."))
            return user
        team = Team.objects.filter(code=value).first()
        if team is None:
            raise serializers.ValidationError(_("Neither a user id nor a known team code."))
        return team


# --- Timeline ------------------------------------------------------------------------------


class ActivitySerializer(serializers.ModelSerializer):
    # Plain text in the schema: an enum here would collide with the request's "kind".
    kind = serializers.CharField(
        read_only=True, help_text=_("note, communication, status, transfer, call, visit …")
    )
    at = InstantField(read_only=True)
    recorded_at = InstantField(read_only=True)
    to_team = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    text = serializers.CharField(read_only=True, help_text=_("What a person typed, as typed."))
    # Blank on the lines they do not concern ("" is in their enums).
    event = model_field(Activity, "event", read_only=True)
    purpose = model_field(Activity, "purpose", read_only=True)
    channel = model_field(Activity, "channel", read_only=True)
    lines = serializers.SerializerMethodField(
        help_text=_(
            "What the portal says on this line, in words (the codes are in event and data)."
        )
    )

    class Meta:
        model = Activity
        fields = [
            "id",
            "kind",
            "event",
            "at",
            "recorded_at",
            "actor",
            "lines",
            "text",
            "purpose",
            "channel",
            "told_person",
            "from_status",
            "to_status",
            "to_user",
            "to_team",
            "public",
            "data",
        ]
        read_only_fields = fields

    def get_lines(self, activity) -> list[str]:
        return list(activity_words(activity).lines)


# What a communication must say (the model leaves them blank for other timeline lines).
SAID = {"required": True, "allow_blank": False}


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "from_customer"]
        read_only_fields = fields


def files_field(help_text: str) -> serializers.Field:
    """Files sent with a line (multipart only), each checked by the service."""
    return serializers.ListField(
        child=serializers.FileField(), required=False, write_only=True, help_text=help_text
    )


class CommunicationSerializer(DeskModelSerializer):
    """What we told the customer: its purpose stops the clocks that wait for it.

    ``request_version`` is the request's version once the line was recorded: telling a new
    request's customer moves it to "in progress", so an edit sent next needs this one."""

    summary = model_field(Activity, "text", source="text", **SAID)
    files = files_field(
        "Multipart only: up to 5 files (pdf, png, jpg, txt, csv, xlsx, docx, hwp), checked by "
        "content; an e-mail carries them."
    )
    attachments = AttachmentSerializer(many=True, read_only=True)
    request_version = serializers.IntegerField(source="request.version", read_only=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "purpose",
            "channel",
            "summary",
            "at",
            "told_person",
            "actor",
            "recorded_at",
            "files",
            "attachments",
            "request_version",
        ]
        read_only_fields = ["id", "actor", "recorded_at"]
        extra_kwargs = {"purpose": SAID, "channel": SAID}

    def to_representation(self, instance):
        answer = super().to_representation(instance)
        if not answer["summary"] and instance.event:  # a call-back or visit nobody summarised
            answer["summary"] = "\n".join(activity_words(instance).lines)
        return answer


class NoteSerializer(DeskModelSerializer):
    files = files_field("Multipart only: up to 5 files, seen by staff only.")
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "text", "at", "actor", "files", "attachments"]
        read_only_fields = ["id", "at", "actor"]
        extra_kwargs = {"text": SAID}


class TimelineEntrySerializer(serializers.Serializer):
    """One line of the timeline: an activity of the request or an event of one of its clocks."""

    source = serializers.ChoiceField(choices=["activity", "clock"])
    kind = serializers.CharField()
    label = serializers.CharField()
    at = InstantField()
    actor = serializers.IntegerField(source="actor.pk", allow_null=True)
    event = serializers.CharField(help_text=_("What the portal says, as a code (activities)."))
    lines = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "What the portal says on this line, in words (the codes are in event and data)."
        ),
    )
    text = serializers.CharField(help_text=_("What a person typed, as typed."))
    data = serializers.JSONField(help_text=_("The line's codes and values."))
    commitment = serializers.CharField(source="clock_code")
    deadline = serializers.IntegerField(source="deadline_id", allow_null=True)
    due_at = InstantField(allow_null=True)
    purpose = serializers.CharField()
    channel = serializers.CharField()
    told_person = serializers.CharField()
    to_user = serializers.IntegerField(source="to_user.pk", allow_null=True)
    to_team = serializers.CharField(source="to_team.code", allow_null=True)
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    public = serializers.BooleanField()
    activity = serializers.IntegerField(source="activity.pk", allow_null=True)
    origin = serializers.CharField(
        help_text=_("The tracking code of the absorbed duplicate the line comes from, if any.")
    )


class VisitSerializer(DeskModelSerializer):
    # What the visit counts as telling the customer (a result, unless said otherwise).
    purpose = model_field(
        Activity,
        "purpose",
        write_only=True,
        required=False,
        allow_blank=False,
        default=Purpose.RESULT,
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "request",
            "visitor",
            "appointment_agreed",
            "appointment_at",
            "visited_at",
            "results_explained_to",
            "summary",
            "purpose",
            "created_at",
        ]
        read_only_fields = ["id", "request", "visitor", "created_at"]


# --- Calls ---------------------------------------------------------------------------------


class CallSerializer(serializers.ModelSerializer):
    received_at = InstantField(read_only=True)
    callback_at = InstantField(read_only=True, allow_null=True)
    created_at = InstantField(read_only=True)
    organisation = serializers.CharField(source="organisation.name", read_only=True, default="")
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = PhoneCall
        fields = [
            "id",
            "received_at",
            "caller_name",
            "caller_phone",
            "organisation",
            "customer",
            "division",
            "service",
            "rings",
            "answered_by",
            "answered_in_time",
            "apology_owed",
            "greeting_given",
            "apology_given",
            "person_absent",
            "person_in_charge",
            "callback_at",
            "summary",
            "request",
            "created_at",
        ]
        read_only_fields = fields


class CallCreateSerializer(DeskModelSerializer):
    """A call to log; without ``request`` it opens one (of ``kind``, with ``subject``)."""

    organisation = model_field(Organisation, "name", required=False, allow_blank=True)
    customer_id = VisibleCustomerField(required=False, allow_null=True)
    request = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("An existing request the call is about; without it the call opens one."),
    )
    kind = model_field(Request, "kind", required=False)
    subject = model_field(Request, "subject", required=False, allow_blank=True)

    class Meta:
        model = PhoneCall
        fields = [
            "caller_name",
            "caller_phone",
            "organisation",
            "customer_id",
            "division",
            "service",
            "rings",
            "received_at",
            "greeting_given",
            "apology_given",
            "person_absent",
            "person_in_charge",
            "summary",
            "request",
            "kind",
            "subject",
        ]
        # Unticked boxes left out of a form post keep the model's defaults.
        extra_kwargs = {
            name: {"default": PhoneCall._meta.get_field(name).default}
            for name in ("greeting_given", "apology_given", "person_absent")
        }


class CallbackSerializer(serializers.Serializer):
    at = InstantField(required=False)


# --- Contacts ------------------------------------------------------------------------------


class ContactSerializer(serializers.ModelSerializer):
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    division = serializers.CharField(source="service.division.code", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "service",
            "division",
            "name",
            "title",
            "role",
            "phone",
            "mobile",
            "email",
            "on_call",
            "effective_from",
            "effective_until",
        ]
        read_only_fields = fields
