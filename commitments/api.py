"""REST API of the catalogue: list the commitments and simulate a clock."""

import re
from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from commitments.models import Commitment, Division
from commitments.simulation import SimulationError, simulate_due


class CommitmentSerializer(serializers.ModelSerializer):
    division = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    service = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Commitment
        fields = [
            "code",
            "title_ko",
            "title_en",
            "promise_ko",
            "promise_en",
            "division",
            "service",
            "target_kind",
            "target_minutes",
            "target_days",
            "target_months",
            "target_count",
            "stop_ko",
            "stop_en",
            "stop_purposes",
            "stop_channels",
            "stop_on_delivery",
            "stop_status",
            "reminder_percents",
            "escalation_levels",
            "pause_on_waiting",
            "urgent",
            "active",
        ]


class SkippedSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField()
    label = serializers.CharField()


class StepSerializer(serializers.Serializer):
    key = serializers.CharField()
    at = serializers.DateTimeField()


class SimulationSerializer(serializers.Serializer):
    commitment = serializers.CharField(source="commitment.code")
    target_kind = serializers.CharField(source="commitment.target_kind")
    calendar = serializers.CharField(source="calendar_code")
    start = serializers.DateTimeField()
    target = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField()
    skipped = SkippedSerializer(many=True)
    steps = StepSerializer(many=True)


def parse_instant(value: str | None, field: str, *, allow_date: bool = False):
    """An ISO 8601 instant with an offset; a naive one is refused. With ``allow_date`` a plain
    date is taken as that date's start in Asia/Seoul (SPEC §3)."""
    if value in (None, ""):
        return None
    value = value.strip().replace(" ", "+") if "T" in value else value.strip()
    if allow_date:
        # Before parse_datetime, which reads a plain date as a naive midnight.
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is not None:
            return datetime.combine(day, time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    try:
        instant = parse_datetime(value)
    except ValueError:
        instant = None
    if instant is None:
        raise ValidationError(
            {field: [_("Not an ISO 8601 instant, e.g. 2026-09-23T15:00:00+09:00.")]}
        )
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValidationError({field: [_("The instant needs a time zone offset, e.g. +09:00.")]})
    return instant


class CommitmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The charter's commitments. Codes contain dots and appear in URLs as they are."""

    serializer_class = CommitmentSerializer
    queryset = Commitment.objects.select_related("division", "service").order_by("code")
    lookup_field = "code"
    lookup_value_regex = r"[a-z0-9][a-z0-9.\-]*"
    filterset_fields = ["target_kind", "active"]

    @extend_schema(
        parameters=[
            OpenApiParameter("start", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter(
                "target",
                OpenApiTypes.DATETIME,
                description="lead_time: the future instant; by_requested_date: the date.",
            ),
            OpenApiParameter("division", OpenApiTypes.STR, description="A division code."),
        ],
        responses=SimulationSerializer,
    )
    @action(detail=True, methods=["get"])
    def simulate(self, request, code=None, format=None):
        """The due instant a clock of this commitment would get, and the time it skips."""
        commitment = get_object_or_404(Commitment, code=code)
        params = request.query_params
        start = parse_instant(params.get("start"), "start")
        if start is None:
            raise ValidationError({"start": [_("This parameter is required.")]})
        target = parse_instant(
            params.get("target"),
            "target",
            allow_date=commitment.target_kind == "by_requested_date",
        )
        division = None
        if params.get("division"):
            code = params["division"]
            # A code is a slug; anything else (a NUL byte PostgreSQL refuses) is simply unknown.
            known = re.fullmatch(r"[-\w]{1,40}", code) is not None
            division = Division.objects.filter(code=code).first() if known else None
            if division is None:
                raise ValidationError(
                    {"division": [_("Unknown division “%(code)s”.") % {"code": params["division"]}]}
                )
        try:
            result = simulate_due(
                commitment=commitment, start=start, target=target, division=division
            )
        except SimulationError as exc:
            raise ValidationError({exc.field: [exc.message]}) from None
        except ValueError as exc:
            raise ValidationError(
                {"non_field_errors": [_("No due instant can be computed: %(why)s") % {"why": exc}]}
            ) from None
        return Response(SimulationSerializer(result).data)
