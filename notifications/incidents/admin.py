"""Incidents in the admin, to read (with their history): they change only through the desk's
actions, which keep their clocks and tell the affected customers."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from notifications.incidents.models import Incident, IncidentMessage, IncidentRecipient


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class MessageInline(ReadOnlyInline):
    model = IncidentMessage
    fields = ["phase", "channel", "text", "at", "told_by", "skipped"]
    readonly_fields = fields


@admin.register(Incident)
class IncidentAdmin(SimpleHistoryAdmin):
    list_display = ["title", "kind", "division", "detected_at", "announced_at", "result_at"]
    list_filter = ["kind", "division"]
    list_select_related = ["division"]
    search_fields = ["title", "description"]
    date_hierarchy = "detected_at"
    inlines = [MessageInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(IncidentRecipient)
class IncidentRecipientAdmin(admin.ModelAdmin):
    list_display = ["address", "name", "message", "notification"]
    list_select_related = ["message", "notification"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
