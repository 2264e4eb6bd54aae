"""``unkind-reports/``: managers read the unkind-service reports of their divisions and decide
them (``{id}/decision/``). Desk users who are not managers get a 403; a report of another
division is a 404; a second decision is a 400 and issues no second coupon."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from commitments.access import is_manager
from requests_desk.desk.api.errors import desk_errors
from requests_desk.desk.api.fields import InstantField
from requests_desk.desk.api.forms import FormSerializer
from requests_desk.desk.api.permissions import IsDeskUser
from requests_desk.homepage.services.voice import (
    unkind_report_confirm,
    unkind_report_reject,
    unkind_reports_for,
)
from requests_desk.homepage.voice_forms import DecisionForm
from requests_desk.models.voice import ReportState, UnkindServiceReport


class IsManager(BasePermission):
    message = _("Only managers decide unkind-service reports.")

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)


class UnkindReportSerializer(serializers.ModelSerializer):
    tracking_code = serializers.CharField(source="request.tracking_code", read_only=True)
    request = serializers.IntegerField(source="request_id", read_only=True)
    subject = serializers.CharField(source="request.subject", read_only=True)
    complaint = serializers.CharField(source="request.body", read_only=True)
    reporter_name = serializers.CharField(source="request.customer.name", read_only=True)
    reporter_email = serializers.CharField(source="request.customer.email", read_only=True)
    division = serializers.SlugRelatedField(slug_field="code", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", default=None, read_only=True, allow_null=True
    )
    decided_at = InstantField(read_only=True, allow_null=True)
    created_at = InstantField(read_only=True)
    coupon_code = serializers.SerializerMethodField()

    class Meta:
        model = UnkindServiceReport
        fields = [
            "id",
            "request",
            "tracking_code",
            "subject",
            "complaint",
            "reporter_name",
            "reporter_email",
            "division",
            "occasion",
            "employee_name",
            "state",
            "decided_by",
            "decided_at",
            "decision_note",
            "coupon_code",
            "created_at",
        ]

    def get_coupon_code(self, obj) -> str | None:
        coupon = getattr(obj, "coupon", None) if obj.state == ReportState.CONFIRMED else None
        return coupon.code if coupon else None


class DecisionSerializer(FormSerializer):
    """Confirm or reject, read through the desk page's form."""

    form_class = DecisionForm
    help_texts = {"note": "Required to reject; kept on the case for staff."}


class UnkindReportFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=ReportState.choices)
    division = filters.CharFilter(field_name="division__code", help_text="A division code.")

    class Meta:
        model = UnkindServiceReport
        fields = ["state", "division"]


@extend_schema_view(
    list=extend_schema(summary="Unkind-service reports of your divisions (managers)"),
    retrieve=extend_schema(summary="One unkind-service report"),
)
class UnkindReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = UnkindReportSerializer
    permission_classes = [IsDeskUser, IsManager]
    queryset = UnkindServiceReport.objects.none()
    filterset_class = UnkindReportFilter

    def get_queryset(self):
        return unkind_reports_for(self.request.user).order_by("created_at", "id")

    @extend_schema(
        summary="Confirm (issues a gift coupon) or reject (a note is required) a report",
        request=DecisionSerializer,
        responses={200: UnkindReportSerializer},
    )
    @action(detail=True, methods=["post"], url_path="decision")
    def decision(self, request, pk=None):
        report = self.get_object()
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        confirmed = data["decision"] == DecisionForm.CONFIRM
        decide = unkind_report_confirm if confirmed else unkind_report_reject
        with desk_errors():
            decide(report, actor=request.user, note=data["note"])
        return Response(UnkindReportSerializer(self.get_queryset().get(pk=report.pk)).data)
