"""Admin: customers are edited here; requests, calls and visits are read (the desk's services
write them, with their clocks); the clock-rule table and the canned replies are edited here,
with their history."""

from django.contrib import admin
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from requests_desk.cases import request_clocks
from requests_desk.cases.timeline_words import activity_words
from requests_desk.models import (
    Activity,
    CannedReply,
    ClockRule,
    CustomerContact,
    CustomerDataRead,
    Organisation,
    PhoneCall,
    Request,
    Visit,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the desk's services: viewing only, so clocks never drift from them."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CustomerContactInline(admin.TabularInline):
    model = CustomerContact
    extra = 0
    fields = ["name", "email", "phone", "position"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    filter_horizontal = ["divisions"]
    inlines = [CustomerContactInline]


@admin.register(CustomerContact)
class CustomerContactAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "email", "phone", "position", "confirmed"]
    list_select_related = ["organisation"]
    search_fields = ["name", "email", "phone", "organisation__name"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["subscribed_services"]


class ActivityInline(admin.TabularInline):
    model = Activity
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor", "purpose", "channel", "told_person", "said", "text", "public"]
    readonly_fields = fields
    ordering = ["at", "id"]

    @admin.display(description=_("What happened"))
    def said(self, obj: Activity) -> str:
        """The line's codes in the admin's language (``text`` is what a person typed)."""
        return "\n".join(activity_words(obj).lines)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    list_display = [
        "tracking_code",
        "subject",
        "kind",
        "division",
        "team",
        "status",
        "assignee",
        "next_due_at",
        "received_at",
    ]
    list_select_related = ["division", "team", "assignee"]
    list_filter = ["status", "kind", "channel", "division", "priority"]
    search_fields = ["tracking_code", "subject", "customer__name", "customer__organisation__name"]
    date_hierarchy = "received_at"
    readonly_fields = ["clocks"]
    inlines = [ActivityInline]

    @admin.display(description=_("clocks"))
    def clocks(self, obj: Request):
        rows = [
            (c.commitment_code, c.get_state_display(), f"{c.due_at:%Y-%m-%d %H:%M %Z}")
            for c in request_clocks(obj)
        ]
        return format_html_join("", "<div>{} · {} · {}</div>", rows) or "—"


@admin.register(PhoneCall)
class PhoneCallAdmin(ReadOnlyAdmin):
    list_display = [
        "received_at",
        "caller_name",
        "organisation",
        "division",
        "rings",
        "answered_by",
        "apology_given",
        "person_absent",
        "callback_at",
        "request",
    ]
    list_select_related = ["organisation", "division", "answered_by", "request"]
    list_filter = ["division", "person_absent", "apology_given"]
    search_fields = ["caller_name", "caller_phone", "organisation__name"]
    date_hierarchy = "received_at"


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["visited_at", "request", "visitor", "appointment_at", "results_explained_to"]
    list_select_related = ["request", "visitor"]
    search_fields = ["request__tracking_code", "results_explained_to"]
    date_hierarchy = "visited_at"


@admin.register(ClockRule)
class ClockRuleAdmin(SimpleHistoryAdmin):
    list_display = ["commitment", "request_kind", "division", "service", "channel", "active"]
    list_select_related = ["commitment", "division", "service"]
    list_filter = ["active", "request_kind", "division", "channel"]
    list_editable = ["active"]
    search_fields = ["commitment__code", "note"]
    autocomplete_fields = ["commitment"]


@admin.register(CannedReply)
class CannedReplyAdmin(SimpleHistoryAdmin):
    """Texts staff pick when they tell a customer something, per purpose and language."""

    list_display = ["title", "language", "purpose", "active"]
    list_filter = ["active", "language", "purpose"]
    list_editable = ["active"]
    search_fields = ["title", "body"]


@admin.register(CustomerDataRead)
class CustomerDataReadAdmin(ReadOnlyAdmin):
    """Who read which customer's personal data, when and where: for admins only, read-only."""

    list_display = ["at", "username", "contact", "via"]
    list_filter = ["via"]
    search_fields = ["username", "contact__name", "contact__email"]
    list_select_related = ["contact__organisation"]
    date_hierarchy = "at"
    fields = ["at", "user", "username", "contact", "via"]
    readonly_fields = fields

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)
