"""``requests/`` and what hangs off one: status, communications, transfer, notes, visits and
the timeline. Every write goes through a desk service."""

from django import forms
from django.db import transaction
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from commitments.models import Team
from requests_desk import cases
from requests_desk.cases.communications import clocks_kept_by
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.permissions import require_division, scoped, valid_in_own_division
from requests_desk.desk.api.serializers import (
    ActivitySerializer,
    CommunicationSerializer,
    ConflictSerializer,
    NoteSerializer,
    RequestCreateSerializer,
    RequestSerializer,
    RequestUpdateSerializer,
    StatusChangeSerializer,
    TimelineEntrySerializer,
    TransferSerializer,
    UnderAnHourSerializer,
    VisitSerializer,
    attach_clocks,
)
from requests_desk.desk.forms import StopPreviewForm, catalogue_attach
from requests_desk.desk.paging import KeysetPagination
from requests_desk.form_fields import FilesField
from requests_desk.models import Activity, ActivityKind, Request, Visit
from requests_desk.vocabulary import Channel, Priority, RequestKind, Status

REQUEST_RELATIONS = ("division", "team", "service", "customer__organisation", "merged_into")
#: A list's rows: their division, team and service come from the catalogue (catalogue_attach).
LISTED_RELATIONS = ("customer__organisation", "merged_into")


def visible_requests(request):
    return scoped(Request.objects.select_related(*REQUEST_RELATIONS), request)


def reread(pk: int) -> Request:
    """The request as the services left it, for the answer."""
    return Request.objects.select_related(*REQUEST_RELATIONS).get(pk=pk)


class RequestFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices)
    kind = filters.ChoiceFilter(choices=RequestKind.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    priority = filters.ChoiceFilter(choices=Priority.choices)
    division = filters.CharFilter(field_name="division__code", help_text="A division code.")
    team = filters.CharFilter(field_name="team__code", help_text="A team code.")
    assignee = filters.NumberFilter(field_name="assignee_id", help_text="A user id.")
    tracking_code = filters.CharFilter(lookup_expr="iexact")

    class Meta:
        model = Request
        fields = ["status", "kind", "channel", "priority", "division", "team", "assignee"]


CONFLICT = OpenApiResponse(
    ConflictSerializer,
    description="The `version` sent is not the request's current one: someone changed it "
    "since. Nothing was saved; read the request again and repeat the edit.",
)


@extend_schema_view(
    list=extend_schema(summary="Requests of your divisions, newest first"),
    retrieve=extend_schema(summary="One request with its clocks"),
    create=extend_schema(
        summary="Log a request; the catalogue's clocks start",
        description="Give a nested `customer` (found or created by organisation and e-mail) "
        "or a `customer_id`. Creating in a division you do not belong to is a **403**; an "
        "unknown code (kind, channel, division, team, service) is a 400 on that field.",
        request=RequestCreateSerializer,
        responses={201: RequestSerializer},
    ),
    partial_update=extend_schema(
        summary="Change a request (optimistic lock on `version`)",
        description="Send the `version` you read and the fields to change; open clocks are "
        "recomputed when kind, division, priority or dates change. The status is **not** "
        "changed here: use `POST requests/{id}/status/`. A stale `version` is a **409**.",
        request=RequestUpdateSerializer,
        responses={200: RequestSerializer, 409: CONFLICT},
    ),
)
class RequestViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RequestSerializer
    queryset = Request.objects.none()
    filterset_class = RequestFilter
    pagination_class = KeysetPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            listed = scoped(Request.objects.select_related(*LISTED_RELATIONS), self.request)
            return listed.order_by("-received_at", "-id")
        return visible_requests(self.request).order_by("-received_at", "-id")

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            catalogue_attach(page)
            attach_clocks(page)
        return page

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        cases.personal_data_read(request.user, [self.get_object().customer_id], via="api:request")
        return response

    def create(self, request, *args, **kwargs):
        data = valid_in_own_division(RequestCreateSerializer, request)
        customer = data.pop("customer_id", None)
        given_customer = data.pop("customer", None)
        # The nested customer's own refusals are reported under "customer".
        as_customer = dict.fromkeys(("name", "organisation", "email", "phone"), "customer")
        with transaction.atomic():
            if customer is None:
                with desk_errors(rename=as_customer):
                    customer = cases.customer_find_or_create(**given_customer)
            with desk_errors():
                created = cases.request_create(actor=request.user, customer=customer, **data)
        body = RequestSerializer(reread(created.pk)).data
        cases.personal_data_read(request.user, [created.customer_id], via="api:request-create")
        return Response(body, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        target = self.get_object()
        serializer = RequestUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        version = changes.pop("version")
        if "division" in changes:
            require_division(request, changes["division"])
        current = Request.objects.filter(pk=target.pk).values_list("version", flat=True)
        with desk_errors(current_version=current.first):
            cases.request_update(target, actor=request.user, version=version, **changes)
        return Response(RequestSerializer(reread(target.pk)).data)


class FilesTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


def checked_files(uploads) -> list:
    """Files sent with a line, checked as the pages check them (type by name and content, size,
    how many): a 400 on ``files``, or a 413 for one over the size limit."""
    field = FilesField()
    try:
        return field.clean(list(uploads or []))
    except forms.ValidationError as error:
        if field.too_large:
            raise FilesTooLarge({"files": error.messages}) from None
        raise ValidationError({"files": error.messages}) from None


class RequestChildMixin:
    """A view under ``requests/{request_pk}/``: the request must be one the caller sees."""

    def parent(self) -> Request:
        if not hasattr(self, "_parent"):
            self._parent = get_object_or_404(
                visible_requests(self.request), pk=self.kwargs["request_pk"]
            )
        return self._parent

    def valid_data(self) -> dict:
        """The body, validated by the view's serializer (a 400 if it is not)."""
        # A request the caller cannot see is a 404 before its body is judged.
        self.parent()
        serializer = self.get_serializer(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def run(self, service, *, rename: dict[str, str] | None = None, **fields):
        """Run a desk service on the request as the caller; its refusals become 400s."""
        with desk_errors(rename=rename):
            return service(self.parent(), actor=self.request.user, **fields)

    def request_answer(self) -> Response:
        """The request as the service left it."""
        return Response(RequestSerializer(reread(self.parent().pk)).data)

    def created_answer(self, instance) -> Response:
        return Response(self.get_serializer(instance).data, status=status.HTTP_201_CREATED)


class StatusView(RequestChildMixin, generics.GenericAPIView):
    serializer_class = StatusChangeSerializer
    queryset = Request.objects.none()

    @extend_schema(
        summary="Change the status (the only way to)",
        description="Moves the request along its life cycle; `waiting` pauses clocks that "
        "allow it, `resolved` stops those that wait for it. An impossible move is a 400.",
        responses={200: RequestSerializer},
    )
    def post(self, request, request_pk: int):
        self.run(cases.request_set_status, **self.valid_data())
        return self.request_answer()


class TransferView(RequestChildMixin, generics.GenericAPIView):
    serializer_class = TransferSerializer
    queryset = Request.objects.none()

    @extend_schema(
        summary="Hand the request to a person or a team, with a hand-off note",
        description="`to` is a user id or a team code; `handoff_note` is required so the "
        "customer never repeats themselves.",
        responses={200: RequestSerializer},
    )
    def post(self, request, request_pk: int):
        data = self.valid_data()
        to = data["to"]
        is_team = isinstance(to, Team)
        self.run(
            cases.request_transfer,
            rename={"to_user": "to", "to_team": "to"},
            to_user=None if is_team else to,
            to_team=to if is_team else None,
            handoff_note=data["handoff_note"],
        )
        return self.request_answer()


class UnderAnHourView(RequestChildMixin, generics.GenericAPIView):
    serializer_class = UnderAnHourSerializer
    queryset = Request.objects.none()

    @extend_schema(
        summary="A support inquiry will take under an hour",
        description="Stops `common.support-eta` (the customer need not be told an expected "
        "time) and records the promise to finish within the hour. A request without an open "
        "support-center clock is a 400.",
        responses={200: RequestSerializer},
    )
    def post(self, request, request_pk: int):
        self.run(cases.request_support_under_an_hour, at=self.valid_data().get("at"))
        return self.request_answer()


class CommunicationListView(RequestChildMixin, generics.ListCreateAPIView):
    """What we told the customer. Logging one stops the clocks waiting for its purpose."""

    serializer_class = CommunicationSerializer
    queryset = Activity.objects.none()
    filterset_class = None

    def get_queryset(self):
        return (
            self.parent()
            .activities.filter(kind=ActivityKind.COMMUNICATION)
            .prefetch_related("attachments")
            .order_by("at", "id")
        )

    def create(self, request, *args, **kwargs):
        data = self.valid_data()
        activity = self.run(
            cases.request_communicate,
            purpose=data["purpose"],
            channel=data["channel"],
            summary=data["text"],
            at=data.get("at"),
            told_person=data.get("told_person", ""),
            files=checked_files(data.get("files")),
        )
        # The services moved the request on (its status, its version): answer with it as it is.
        activity.request = reread(activity.request_id)
        return self.created_answer(activity)


class StopPreviewInput(FormSerializer):
    form_class = StopPreviewForm


class KeptClockSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="clock.pk")
    commitment = serializers.CharField(source="clock.commitment_code")
    title = serializers.CharField(source="clock.commitment.title")
    when = serializers.ChoiceField(
        choices=["now", "on_delivery"],
        help_text="`now`: when recorded; `on_delivery`: when the gateway accepts the e-mail/SMS.",
    )


class CommunicationStopsView(RequestChildMixin, generics.GenericAPIView):
    """Which of the request's clocks telling the customer ``purpose`` by ``channel`` would stop,
    asked before it is recorded (nothing is written)."""

    serializer_class = StopPreviewInput
    queryset = Request.objects.none()
    filterset_class = None

    @extend_schema(
        summary="Which clocks an act would stop",
        parameters=[StopPreviewInput],
        responses={200: KeptClockSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        self.parent()
        serializer = StopPreviewInput(data=request.query_params.dict())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kept = clocks_kept_by(self.parent(), purpose=data["purpose"], channel=data["channel"])
        rows = [{"clock": clock, "when": when} for clock, when in kept]
        return Response(KeptClockSerializer(rows, many=True).data)


class NoteListView(RequestChildMixin, generics.ListCreateAPIView):
    serializer_class = NoteSerializer
    queryset = Activity.objects.none()
    filterset_class = None

    def get_queryset(self):
        return (
            self.parent()
            .activities.filter(kind=ActivityKind.NOTE)
            .prefetch_related("attachments")
            .order_by("at", "id")
        )

    def create(self, request, *args, **kwargs):
        data = self.valid_data()
        note = self.run(
            cases.request_add_note, text=data["text"], files=checked_files(data.get("files"))
        )
        return self.created_answer(note)


class VisitListView(RequestChildMixin, generics.ListCreateAPIView):
    """Visits to the customer; the results explained count as telling the customer."""

    serializer_class = VisitSerializer
    queryset = Visit.objects.none()
    filterset_class = None

    def get_queryset(self):
        return self.parent().visits.order_by("visited_at", "id")

    def create(self, request, *args, **kwargs):
        data = self.valid_data()
        visit = self.run(
            cases.visit_log,
            appointment_agreed=data["appointment_agreed"],
            appointment_at=data.get("appointment_at"),
            visited_at=data["visited_at"],
            results_explained_to=data["results_explained_to"],
            summary=data.get("summary", ""),
            purpose=data.get("purpose", "result"),
        )
        return self.created_answer(visit)


class ActivityListView(RequestChildMixin, generics.ListAPIView):
    """Every activity of the request (the timeline without its clocks' events)."""

    serializer_class = ActivitySerializer
    queryset = Activity.objects.none()
    filterset_class = None

    def get_queryset(self):
        return self.parent().activities.select_related("to_team").order_by("at", "id")


class TimelineView(RequestChildMixin, generics.ListAPIView):
    """The request's activities and its clocks' events, in time order."""

    serializer_class = TimelineEntrySerializer
    queryset = Activity.objects.none()
    filterset_class = None

    def get_queryset(self):
        return cases.request_timeline(self.parent())
