"""What the desk's API reads and writes. Input serializers only validate shapes and codes;
the services decide everything else and raise ``DeskError`` with field messages."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from commitments.models import Contact, Deadline, Division, Service, Team
from commitments.models.directory import phone_validator
from requests_desk.api.fields import InstantField
from requests_desk.models import Activity, CustomerContact, PhoneCall, Request, Visit
from requests_desk.models.requests import BODY_MAX, SUBJECT_MAX
from requests_desk.services.timeline_words import activity_words
from requests_desk.vocabulary import Channel, Priority, Purpose, RequestKind, Status

NAME_MAX = 100
ORGANISATION_MAX = 200


def code_field(model, **kwargs):
    """A division, team or service named by its code; an unknown code is a field error."""
    return serializers.SlugRelatedField(slug_field="code", queryset=model.objects.all(), **kwargs)


def user_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(is_active=True), **kwargs
    )


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


class DeadlineSerializer(RequestDeadlineSerializer):
    """A clock in ``deadlines/``: what it is owed on, and who owns it."""

    request = serializers.SerializerMethodField()
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
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
        if deadline.subject_type == "request" and deadline.subject_id.isdigit():
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


class CustomerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    organisation = serializers.CharField(max_length=ORGANISATION_MAX)
    email = serializers.EmailField(max_length=254)
    phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default="", validators=[phone_validator]
    )


class CustomerSerializer(serializers.ModelSerializer):
    organisation = serializers.CharField(source="organisation.name", read_only=True)

    class Meta:
        model = CustomerContact
        fields = ["id", "name", "organisation", "email", "phone"]
        read_only_fields = fields


# --- Requests ------------------------------------------------------------------------------


class RequestSerializer(serializers.ModelSerializer):
    """A request as the API shows it, with its clocks."""

    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)
    customer = CustomerSerializer(read_only=True)
    received_at = InstantField(read_only=True)
    next_due_at = InstantField(read_only=True, allow_null=True)
    resolved_at = InstantField(read_only=True, allow_null=True)
    closed_at = InstantField(read_only=True, allow_null=True)
    created_at = InstantField(read_only=True)
    deadlines = serializers.SerializerMethodField()

    class Meta:
        model = Request
        fields = [
            "id",
            "tracking_code",
            "status",
            "kind",
            "channel",
            "division",
            "team",
            "service",
            "priority",
            "assignee",
            "customer",
            "subject",
            "body",
            "received_at",
            "expected_completion",
            "requested_due",
            "resolved_at",
            "closed_at",
            "created_at",
            "next_due_at",
            "version",
            "deadlines",
        ]
        read_only_fields = fields

    @extend_schema_field(RequestDeadlineSerializer(many=True))
    def get_deadlines(self, obj: Request) -> list[dict]:
        return RequestDeadlineSerializer(clocks_of(obj), many=True).data


def clocks_of(request: Request) -> list[Deadline]:
    """The request's clocks: attached for a whole page by :func:`attach_clocks`, else read."""
    clocks = getattr(request, "_api_clocks", None)
    if clocks is None:
        attach_clocks([request])
        clocks = request._api_clocks
    return clocks


def attach_clocks(requests) -> None:
    """Read the clocks of all ``requests`` in one query (a clock names its subject by type and
    id, not by a foreign key, so ``prefetch_related`` cannot follow it)."""
    requests = list(requests)
    by_id: dict[str, list[Deadline]] = {str(r.pk): [] for r in requests}
    clocks = Deadline.objects.filter(subject_type="request", subject_id__in=list(by_id)).order_by(
        "due_at", "id"
    )
    for clock in clocks:
        by_id[clock.subject_id].append(clock)
    for request in requests:
        request._api_clocks = by_id[str(request.pk)]


class RequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    division = code_field(Division)
    customer = CustomerInputSerializer(required=False)
    customer_id = serializers.PrimaryKeyRelatedField(
        queryset=CustomerContact.objects.all(), required=False
    )
    subject = serializers.CharField(max_length=SUBJECT_MAX)
    body = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True)
    received_at = InstantField(required=False)
    expected_completion = serializers.DateField(required=False, allow_null=True)
    requested_due = serializers.DateField(required=False, allow_null=True)
    team = code_field(Team, required=False, allow_null=True)
    service = code_field(Service, required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    assignee = user_field(required=False, allow_null=True)

    def validate_channel(self, value: str) -> str:
        # A request arrives by SMS never: SMS is only a way we answer (a communication's).
        if value == Channel.SMS:
            raise serializers.ValidationError(_("A request does not arrive by SMS."))
        return value

    def validate(self, attrs):
        if ("customer" in attrs) == ("customer_id" in attrs):
            raise serializers.ValidationError(
                {"customer": [_("Give either a customer or a customer_id.")]}
            )
        return attrs


class RequestUpdateSerializer(serializers.Serializer):
    """A partial update; ``version`` is the one the client last read (optimistic lock)."""

    version = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=RequestKind.choices, required=False)
    division = code_field(Division, required=False)
    team = code_field(Team, required=False, allow_null=True)
    service = code_field(Service, required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    subject = serializers.CharField(max_length=SUBJECT_MAX, required=False)
    body = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True)
    assignee = user_field(required=False, allow_null=True)
    expected_completion = serializers.DateField(required=False, allow_null=True)
    requested_due = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        refused = sorted(set(self.initial_data) & {"status", "tracking_code", "customer"})
        errors = {}
        if "status" in refused:
            errors["status"] = [_("Change the status with POST requests/{id}/status/.")]
        for name in refused:
            errors.setdefault(name, [_("This field cannot be changed.")])
        if errors:
            raise serializers.ValidationError(errors)
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
    status = serializers.ChoiceField(choices=Status.choices)
    at = InstantField(required=False)
    note = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True)


class UnderAnHourSerializer(serializers.Serializer):
    at = InstantField(required=False)


class TransferSerializer(serializers.Serializer):
    to = serializers.CharField(
        max_length=40,
        help_text=_("A user id (digits) or a team code."),
    )
    handoff_note = serializers.CharField(max_length=BODY_MAX)

    def validate_to(self, value: str):
        value = value.strip()
        if value.isdigit():
            user = get_user_model().objects.filter(pk=int(value), is_active=True).first()
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
    to_team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    text = serializers.CharField(read_only=True, help_text=_("What a person typed, as typed."))
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


class CommunicationSerializer(serializers.ModelSerializer):
    """What we told the customer: its purpose stops the clocks that wait for it."""

    purpose = serializers.ChoiceField(choices=Purpose.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    summary = serializers.CharField(source="text", max_length=BODY_MAX)
    at = InstantField(required=False)
    told_person = serializers.CharField(max_length=100, required=False, allow_blank=True)
    recorded_at = InstantField(read_only=True)

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
        ]
        read_only_fields = ["id", "actor", "recorded_at"]

    def to_representation(self, instance):
        answer = super().to_representation(instance)
        if not answer["summary"] and instance.event:  # a call-back or visit nobody summarised
            answer["summary"] = "\n".join(activity_words(instance).lines)
        return answer


class NoteSerializer(serializers.ModelSerializer):
    text = serializers.CharField(max_length=BODY_MAX)
    at = InstantField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "text", "at", "actor"]
        read_only_fields = ["id", "at", "actor"]


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


class VisitSerializer(serializers.ModelSerializer):
    appointment_agreed = serializers.BooleanField()
    appointment_at = InstantField(required=False, allow_null=True)
    visited_at = InstantField()
    results_explained_to = serializers.CharField(max_length=100)
    summary = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True)
    purpose = serializers.ChoiceField(
        choices=Purpose.choices, write_only=True, required=False, default=Purpose.RESULT
    )
    created_at = InstantField(read_only=True)

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
    service = serializers.SlugRelatedField(slug_field="code", read_only=True)

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


class CallCreateSerializer(serializers.Serializer):
    caller_name = serializers.CharField(max_length=NAME_MAX)
    caller_phone = serializers.CharField(
        max_length=20, required=False, allow_blank=True, validators=[phone_validator]
    )
    organisation = serializers.CharField(
        max_length=ORGANISATION_MAX, required=False, allow_blank=True
    )
    customer_id = serializers.PrimaryKeyRelatedField(
        queryset=CustomerContact.objects.all(), required=False, allow_null=True
    )
    division = code_field(Division)
    service = code_field(Service, required=False, allow_null=True)
    rings = serializers.IntegerField(min_value=0, max_value=100)
    received_at = InstantField(required=False)
    greeting_given = serializers.BooleanField(required=False, default=True)
    apology_given = serializers.BooleanField(required=False, default=False)
    person_absent = serializers.BooleanField(required=False, default=False)
    person_in_charge = user_field(required=False, allow_null=True)
    summary = serializers.CharField(max_length=BODY_MAX, required=False, allow_blank=True)
    request = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text=_("An existing request the call is about; without it the call opens one."),
    )
    kind = serializers.ChoiceField(choices=RequestKind.choices, required=False)
    subject = serializers.CharField(max_length=SUBJECT_MAX, required=False, allow_blank=True)


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
