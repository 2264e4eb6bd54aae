"""Admin for the customer's voice: reports, coupons, commendations and survey scores are read
here (the services write them); a pending report is decided on its desk page, or confirmed
in bulk with the action below, through the same service."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from requests_desk.admin.desk import ReadOnlyAdmin
from requests_desk.cases import DeskError
from requests_desk.homepage.services.voice import unkind_report_confirm
from requests_desk.models.voice import (
    Commendation,
    GiftCoupon,
    SurveyInvitation,
    SurveyResponse,
    UnkindServiceReport,
)


@admin.register(UnkindServiceReport)
class UnkindServiceReportAdmin(ReadOnlyAdmin):
    list_display = ["request", "division", "state", "employee_name", "created_at", "decided_by"]
    list_select_related = ["request", "division", "decided_by"]
    list_filter = ["state", "division"]
    search_fields = ["request__tracking_code", "occasion", "employee_name"]
    readonly_fields = ["desk_page"]
    actions = ["confirm"]

    @admin.display(description=_("desk page"))
    def desk_page(self, obj: UnkindServiceReport):
        return format_html(
            '<a href="{}">{}</a>', reverse("desk:unkind-detail", args=[obj.pk]), _("Decide")
        )

    @admin.action(description=_("Confirm the selected reports and issue their coupons"))
    def confirm(self, request, queryset):
        done = 0
        for report in queryset:
            try:
                unkind_report_confirm(report, actor=request.user)
            except DeskError as error:
                self.message_user(
                    request,
                    f"{report}: {' '.join(error.messages)}",
                    level=messages.WARNING,
                )
            else:
                done += 1
        self.message_user(request, _("%(n)s report(s) confirmed.") % {"n": done})


@admin.register(GiftCoupon)
class GiftCouponAdmin(ReadOnlyAdmin):
    list_display = ["code", "recipient_name", "recipient_email", "division", "issued_at"]
    list_select_related = ["division"]
    list_filter = ["division"]
    search_fields = ["code", "recipient_name", "recipient_email", "description"]
    date_hierarchy = "issued_at"


@admin.register(Commendation)
class CommendationAdmin(ReadOnlyAdmin):
    list_display = ["employee_name", "employee", "division", "state", "created_at"]
    list_select_related = ["employee", "division"]
    list_filter = ["state", "division"]
    search_fields = ["employee_name", "nominator_name", "nominator_organisation"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    list_display = ["request", "sent_to", "created_at", "expires_at", "used_at"]
    list_select_related = ["request"]
    exclude = ["token_digest"]
    search_fields = ["request__tracking_code", "sent_to"]


@admin.register(SurveyResponse)
class SurveyResponseAdmin(ReadOnlyAdmin):
    list_display = ["source", "division", "team", "score", "at", "recorded_by"]
    list_select_related = ["division", "team", "recorded_by"]
    list_filter = ["source", "division", "score"]
    date_hierarchy = "at"
