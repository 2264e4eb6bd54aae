"""``incidents/``: trouble reports of the caller's divisions (another division's is a 404, a
division or service not the caller's a 400), their clocks, what the affected customers were
told (``tell``) and the requests they caused (``link``). Every write goes through the
incidents' services; refusals are 400s with field errors."""

from collections import defaultdict

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.models import Deadline, Division, Service
from notifications.incidents.forms import IncidentForm, TellForm
from notifications.incidents.models import Incident, IncidentMessage
from notifications.incidents.services import INCIDENT_SUBJECT, incident_record
from requests_desk.cases.selectors import requests_visible
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.fields import InstantField
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.permissions import IsDeskUser, scoped
from requests_desk.desk.api.serializers import clocks_shown
from requests_desk.incidents.audience import incident_tell_customers
from requests_desk.incidents.forms import LinkForm
from requests_desk.incidents.services import request_link_incident


class IncidentMessageSerializer(serializers.ModelSerializer):
    at = InstantField(read_only=True)
    recipients = serializers.SerializerMethodField()

    class Meta:
        model = IncidentMessage
        fields = ["id", "phase", "channel", "text", "at", "recipients", "skipped"]
        read_only_fields = fields

    def get_recipients(self, message) -> int:
        """How many addresses the message was sent to."""
        return len(message.recipients.all())


class IncidentSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    detected_at = InstantField(read_only=True)
    reported_at = InstantField(read_only=True)
    announced_at = InstantField(read_only=True, allow_null=True)
    result_at = InstantField(read_only=True, allow_null=True)
    deadlines = serializers.SerializerMethodField()
    messages = IncidentMessageSerializer(many=True, read_only=True)
    requests = serializers.SerializerMethodField()

    class Meta:
        model = Incident
        fields = [
            "id",
            "kind",
            "division",
            "services",
            "title",
            "description",
            "detected_at",
            "reported_at",
            "announced_at",
            "result_at",
            "deadlines",
            "messages",
            "requests",
        ]
        read_only_fields = fields

    def get_deadlines(self, incident) -> list[dict]:
        return clocks_shown(self, incident._api_clocks)

    def get_requests(self, incident) -> list[int]:
        """The requests the incident caused (ids)."""
        return [r.pk for r in incident.requests.all()]


def attach_incident_clocks(incidents) -> list[Incident]:
    """The clocks of every incident on the page in one query."""
    incidents = list(incidents)
    by_id = defaultdict(list)
    clocks = Deadline.objects.filter(
        subject_type=INCIDENT_SUBJECT, subject_id__in=[str(i.pk) for i in incidents]
    ).order_by("due_at", "pk")
    for clock in clocks:
        by_id[clock.subject_id].append(clock)
    for incident in incidents:
        incident._api_clocks = by_id[str(incident.pk)]
    return incidents


class IncidentCreateSerializer(FormSerializer):
    """A new incident: ``division`` and ``services`` by code, of the caller's divisions."""

    form_class = IncidentForm
    help_texts = {
        "services": "Service codes, of your divisions.",
        "detected_at": "When the trouble was detected (ISO 8601 with an offset; not future).",
    }

    def form_kwargs(self) -> dict:
        request = self.context["request"]
        return {
            "services": scoped(Service.objects.select_related("division"), request),
            "divisions": scoped(Division.objects.all(), request, field="pk"),
        }


class TellSerializer(FormSerializer):
    """``phase`` (``plan``: the trouble and its plan; ``result``), ``channel`` (``sms``,
    ``email``, ``phone``) and ``text``."""

    form_class = TellForm


class LinkSerializer(FormSerializer):
    """The request (tracking code or id) the incident caused."""

    form_class = LinkForm

    def form_kwargs(self) -> dict:
        return {"requests": requests_visible(self.context["request"].user)}


@extend_schema_view(
    list=extend_schema(summary="Incidents of your divisions, latest detection first"),
    retrieve=extend_schema(summary="One incident with its clocks and messages"),
)
class IncidentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsDeskUser]
    serializer_class = IncidentSerializer
    queryset = Incident.objects.none()

    def get_queryset(self):
        incidents = (
            Incident.objects.select_related("division")
            .prefetch_related("services", "messages__recipients", "requests")
            .order_by("-detected_at", "-id")
        )
        return scoped(incidents, self.request)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        attach_incident_clocks(page)
        return self.get_paginated_response(IncidentSerializer(page, many=True).data)

    def _answer(self, incident, code=status.HTTP_200_OK):
        incident = attach_incident_clocks([self.get_queryset().get(pk=incident.pk)])[0]
        return Response(IncidentSerializer(incident).data, code)

    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(
        summary="Record an incident; the clocks its kind owes start",
        request=IncidentCreateSerializer,
        responses={201: IncidentSerializer},
    )
    def create(self, request, *args, **kwargs):
        body = IncidentCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with desk_errors():
            incident = incident_record(actor=request.user, **body.validated_data)
        return self._answer(incident, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Tell the affected customers of the trouble or of its result",
        request=TellSerializer,
        responses={200: IncidentSerializer},
    )
    @action(detail=True, methods=["post"])
    def tell(self, request, pk=None):
        incident = self.get_object()
        body = TellSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with desk_errors():
            incident_tell_customers(incident, actor=request.user, **body.validated_data)
        return self._answer(incident)

    @extend_schema(
        summary="Link a request the incident caused",
        request=LinkSerializer,
        responses={200: IncidentSerializer},
    )
    @action(detail=True, methods=["post"])
    def link(self, request, pk=None):
        incident = self.get_object()
        body = LinkSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with desk_errors():
            request_link_incident(
                request=body.validated_data["request"], incident=incident, actor=request.user
            )
        return self._answer(incident)
