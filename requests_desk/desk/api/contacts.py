"""``contacts/``: the directory's contact tables, readable by every member of staff."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, viewsets

from commitments.models import Contact
from requests_desk.desk.api.permissions import IsDeskUser
from requests_desk.desk.api.serializers import ContactSerializer


class ContactFilter(filters.FilterSet):
    service = filters.CharFilter(field_name="service__code", help_text="A service code.")
    division = filters.CharFilter(
        field_name="service__division__code", help_text="A division code."
    )
    effective_on = filters.DateFilter(
        method="filter_effective_on", help_text="Only rows in force on this date."
    )

    class Meta:
        model = Contact
        fields = ["service", "division", "role", "on_call", "effective_on"]

    def filter_effective_on(self, queryset, name, value):
        return queryset.effective_on(value)


@extend_schema_view(
    list=extend_schema(summary="Contact persons per service"),
    retrieve=extend_schema(summary="One contact"),
)
class ContactViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsDeskUser]
    serializer_class = ContactSerializer
    queryset = Contact.objects.select_related("service__division").order_by(
        "service__code", "role", "name", "id"
    )
    filterset_class = ContactFilter
