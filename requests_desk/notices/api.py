"""``suspensions/`` and ``announcements/``: public notices as staff plan and publish them.

Suspensions: desk users, scoped to their divisions (another division's plan is a 404, a plan
for its services a 400 on ``services``). Announcements: the Information Head Office's people
and admins. Every write goes through :mod:`notifications.notices.services`; its refusals are
400s with field errors. A plan with less than 7 days' notice is refused on
``accept_short_notice`` until that is sent as ``true``."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.access import may_see_division
from commitments.models import Deadline, Division, Service
from notifications.notices.forms import (
    AnnouncementForm,
    CancelForm,
    PublishForm,
    RescheduleForm,
    SuspensionPlanForm,
)
from notifications.notices.models import Announcement, SuspensionPlan
from notifications.notices.services import (
    announcement_publish,
    announcement_record,
    suspension_cancel,
    suspension_plan_create,
    suspension_reschedule,
)
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.fields import InstantField
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.permissions import IsDeskUser, scoped
from requests_desk.notices.audience import suspension_publish_to_customers


class ClockSerializer(serializers.ModelSerializer):
    commitment = serializers.CharField(source="commitment_code")

    class Meta:
        model = Deadline
        fields = ["id", "commitment", "due_at", "state", "stopped_at"]


class SuspensionSerializer(serializers.ModelSerializer):
    services = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deadline = ClockSerializer(read_only=True, allow_null=True)
    lead_days = serializers.IntegerField(read_only=True, allow_null=True)
    recipients = serializers.SerializerMethodField()

    class Meta:
        model = SuspensionPlan
        fields = [
            "id",
            "services",
            "division",
            "starts_at",
            "ends_at",
            "cause",
            "cause_other",
            "channels",
            "title_ko",
            "title_en",
            "body_ko",
            "body_en",
            "state",
            "planned_at",
            "published_at",
            "notified_at",
            "cancelled_at",
            "manual_note",
            "change_reason",
            "lead_days",
            "recipients",
            "deadline",
        ]
        read_only_fields = fields

    def get_recipients(self, plan) -> int:
        """How many addresses were told."""
        return len(plan.recipients.all())


class SuspensionCreateSerializer(FormSerializer):
    """A new plan, read through the desk page's form; services by code, of the caller's
    divisions."""

    form_class = SuspensionPlanForm
    help_texts = {
        "services": "Service codes, of your divisions.",
        "accept_short_notice": "True to plan a window less than 7 days ahead.",
    }

    def form_kwargs(self) -> dict:
        services = scoped(Service.objects.select_related("division"), self.context["request"])
        return {"services": services, "services_by": "code"}


class PublishSerializer(FormSerializer):
    """What the publisher did on the document and phone channels, if the plan names them."""

    form_class = PublishForm
    help_texts = {
        "manual_note": "How the document and phone notices were made (required when the plan "
        "names those channels)."
    }


class RescheduleSerializer(FormSerializer):
    """The new window and why it moves."""

    form_class = RescheduleForm


class CancelSerializer(FormSerializer):
    """Why the suspension is called off."""

    form_class = CancelForm


class AnnouncementRecordSerializer(FormSerializer):
    """A completed trading-information specification, to be announced the same day."""

    form_class = AnnouncementForm


@extend_schema_view(
    list=extend_schema(summary="Suspension plans of your divisions"),
    retrieve=extend_schema(summary="One suspension plan with its notice clock"),
)
class SuspensionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsDeskUser]
    serializer_class = SuspensionSerializer
    queryset = SuspensionPlan.objects.none()

    def get_queryset(self):
        plans = (
            SuspensionPlan.objects.select_related("division", "deadline")
            .prefetch_related("services", "recipients")
            .order_by("-planned_at", "-id")
        )
        return scoped(plans, self.request)

    def _answer(self, plan, code=status.HTTP_200_OK):
        return Response(SuspensionSerializer(self.get_queryset().get(pk=plan.pk)).data, code)

    @extend_schema(
        summary="Plan a suspension; its notice clock starts (due 7 days before the start)",
        request=SuspensionCreateSerializer,
        responses={201: SuspensionSerializer},
    )
    def create(self, request, *args, **kwargs):
        body = SuspensionCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        with desk_errors():
            plan = suspension_plan_create(actor=request.user, **body.validated_data)
        return self._answer(plan, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish the notice: homepage, e-mail and SMS to the affected customers",
        request=PublishSerializer,
        responses={200: SuspensionSerializer},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        plan = self.get_object()
        body = PublishSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with desk_errors():
            suspension_publish_to_customers(plan, actor=request.user, **body.validated_data)
        return self._answer(plan)

    @extend_schema(
        summary="Move the window; everyone told hears of it again",
        request=RescheduleSerializer,
        responses={200: SuspensionSerializer},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        plan = self.get_object()
        body = RescheduleSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with desk_errors():
            suspension_reschedule(plan, actor=request.user, **body.validated_data)
        return self._answer(plan)

    @extend_schema(
        summary="Cancel the suspension; everyone told hears of it",
        request=CancelSerializer,
        responses={200: SuspensionSerializer},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        plan = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with desk_errors():
            suspension_cancel(plan, actor=request.user, **body.validated_data)
        return self._answer(plan)


class IsInformationDesk(permissions.BasePermission):
    message = "Only the Information Head Office keeps the announcement board."

    def has_permission(self, request, view) -> bool:
        information = Division.objects.filter(code="information").first()
        return information is not None and may_see_division(request.user, information.pk)


class AnnouncementSerializer(serializers.ModelSerializer):
    deadline = ClockSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Announcement
        fields = [
            "id",
            "title_ko",
            "title_en",
            "body_ko",
            "body_en",
            "spec_completed_at",
            "recorded_at",
            "published_at",
            "deadline",
        ]
        read_only_fields = fields

    spec_completed_at = InstantField(read_only=True)


@extend_schema_view(
    list=extend_schema(summary="Announcements, newest first"),
    retrieve=extend_schema(summary="One announcement with its clock"),
)
class AnnouncementViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsDeskUser, IsInformationDesk]
    serializer_class = AnnouncementSerializer
    queryset = Announcement.objects.select_related("deadline").order_by("-recorded_at", "-id")

    @extend_schema(
        summary="Record a completed specification; its same-day clock starts",
        request=AnnouncementRecordSerializer,
        responses={201: AnnouncementSerializer},
    )
    def create(self, request, *args, **kwargs):
        body = AnnouncementRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with desk_errors():
            announcement = announcement_record(actor=request.user, **body.validated_data)
        return Response(
            AnnouncementSerializer(self.get_queryset().get(pk=announcement.pk)).data,
            status.HTTP_201_CREATED,
        )

    @extend_schema(summary="Publish on the public board; the clock stops", request=None)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        announcement = self.get_object()
        with desk_errors():
            announcement_publish(announcement, actor=request.user)
        return Response(AnnouncementSerializer(self.get_queryset().get(pk=announcement.pk)).data)
