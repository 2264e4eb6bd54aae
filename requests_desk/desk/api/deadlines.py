"""``deadlines/``: the clocks of your divisions, filterable, and why each is due when it is."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from commitments.deadlines import deadline_explain
from commitments.models import Deadline, DeadlineState
from commitments.subjects import REQUEST_SUBJECT
from requests_desk.desk.api.fields import InstantFilter
from requests_desk.desk.api.permissions import scoped
from requests_desk.desk.api.serializers import DeadlineExplanationSerializer, DeadlineSerializer
from requests_desk.desk.paging import DueKeysetPagination


class DeadlineFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=DeadlineState.choices)
    commitment = filters.CharFilter(field_name="commitment_code", help_text="A catalogue code.")
    division = filters.CharFilter(field_name="division__code", help_text="A division code.")
    due_after = InstantFilter(
        field_name="due_at", lookup_expr="gte", help_text="ISO 8601 with an offset."
    )
    due_before = InstantFilter(
        field_name="due_at", lookup_expr="lt", help_text="ISO 8601 with an offset."
    )
    request = filters.NumberFilter(method="filter_request", help_text="A request id.")

    class Meta:
        model = Deadline
        fields = ["state", "commitment", "division", "request"]

    def filter_request(self, queryset, name, value):
        return queryset.of_subject(REQUEST_SUBJECT, int(value))


@extend_schema_view(
    list=extend_schema(summary="Clocks of your divisions, nearest due first"),
    retrieve=extend_schema(summary="One clock"),
)
class DeadlineViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DeadlineSerializer
    queryset = Deadline.objects.none()
    filterset_class = DeadlineFilter
    # Millions of clocks: a capped count and cursor pages through ``deadline_due``, not a
    # count and a sort of them all.
    pagination_class = DueKeysetPagination

    def get_queryset(self):
        clocks = Deadline.objects.select_related("division", "team").order_by("due_at", "id")
        return scoped(clocks, self.request)

    @extend_schema(
        summary="Why the clock is due when it is",
        description="The non-working time skipped (holidays, weekends, closed hours) between "
        "start and due, and the pauses.",
        responses=DeadlineExplanationSerializer,
    )
    @action(detail=True, methods=["get"], serializer_class=DeadlineExplanationSerializer)
    def explain(self, request, pk=None):
        clock = self.get_object()
        return Response(DeadlineExplanationSerializer(deadline_explain(clock)).data)
