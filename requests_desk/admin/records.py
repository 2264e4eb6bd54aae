"""Admin of the charter records: read with their history (their services write them with their
clocks); certificates are imported here too, in bulk, through the same rows as the desk's
import (each row checked, bad rows listed and refused)."""

from django.contrib import admin
from import_export.admin import ImportMixin
from import_export.formats.base_formats import CSV, XLSX
from simple_history.admin import SimpleHistoryAdmin

from requests_desk.admin.desk import ReadOnlyAdmin
from requests_desk.models import (
    Certificate,
    CertificateRenewal,
    Delivery,
    DeliveryInquiry,
    Handover,
    TestWindow,
    Training,
    TrainingReschedule,
)
from requests_desk.records.imports import CertificateResource


class RecordAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Viewing and history only: a record changes through the desk, which keeps its clocks."""

    list_select_related = ["division"]
    list_filter = ["division"]


class RenewalInline(admin.TabularInline):
    model = CertificateRenewal
    fields = ["previous_expires_on", "expires_on", "recorded_at", "recorded_by"]
    readonly_fields = fields
    extra = 0


@admin.register(Certificate)
class CertificateAdmin(ImportMixin, RecordAdmin):
    resource_classes = [CertificateResource]
    import_formats = [CSV, XLSX]
    list_display = ["product", "serial", "customer", "expires_on", "guided_at", "division"]
    search_fields = ["product", "serial", "customer__name", "customer__organisation__name"]
    inlines = [RenewalInline]

    def get_import_resource_kwargs(self, request, **kwargs):
        return {"actor": request.user}

    def has_import_permission(self, request) -> bool:
        return request.user.is_superuser


@admin.register(Handover)
class HandoverAdmin(RecordAdmin):
    list_display = ["outgoing", "incoming", "parallel_from", "parallel_until", "reported_at"]


@admin.register(TestWindow)
class TestWindowAdmin(RecordAdmin):
    list_display = ["title", "kind", "starts_at", "ends_at", "owner", "reported_at"]


class RescheduleInline(admin.TabularInline):
    model = TrainingReschedule
    fields = ["previous_on", "promised_on", "asked_by", "reason", "recorded_at", "recorded_by"]
    readonly_fields = fields
    extra = 0


@admin.register(Training)
class TrainingAdmin(RecordAdmin):
    list_display = ["topic", "customer", "promised_on", "planned_at", "held_at"]
    inlines = [RescheduleInline]


class InquiryInline(admin.TabularInline):
    model = DeliveryInquiry
    fields = ["request", "routed_to", "deliverer_left"]
    readonly_fields = fields
    extra = 0


@admin.register(Delivery)
class DeliveryAdmin(RecordAdmin):
    list_display = ["material", "customer", "delivered_by", "delivered_on"]
    inlines = [InquiryInline]
