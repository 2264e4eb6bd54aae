"""Public notices in the admin, to read: plans change only through the desk's actions, which
keep their clocks and re-notify the customers told."""

from django.contrib import admin

from notifications.notices.models import Announcement, SuspensionPlan, SuspensionRecipient


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RecipientInline(admin.TabularInline):
    model = SuspensionRecipient
    fields = ["channel", "address", "name", "told_at"]
    readonly_fields = fields
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SuspensionPlan)
class SuspensionPlanAdmin(ReadOnlyAdmin):
    list_display = ["title_ko", "state", "starts_at", "ends_at", "division", "published_at"]
    list_filter = ["state", "division", "cause"]
    list_select_related = ["division"]
    search_fields = ["title_ko", "title_en"]
    inlines = [RecipientInline]


@admin.register(Announcement)
class AnnouncementAdmin(ReadOnlyAdmin):
    list_display = ["title_ko", "spec_completed_at", "published_at"]
    search_fields = ["title_ko", "title_en"]
