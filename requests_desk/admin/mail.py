"""Admin for inbound e-mail: the routing rules admins edit, every message read (with what
became of it), and the quarantine list with each message's reason and raw text."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from requests_desk.admin.desk import ReadOnlyAdmin
from requests_desk.models import InboundMessage, MailRoute, QuarantinedMessage

RAW_SHOWN = 20_000


@admin.register(MailRoute)
class MailRouteAdmin(admin.ModelAdmin):
    list_display = [
        "position",
        "recipient",
        "sender_domain",
        "subject_keyword",
        "organisation",
        "division",
        "team",
        "kind",
        "active",
    ]
    list_editable = ["active"]
    list_select_related = ["organisation", "division", "team"]
    search_fields = ["recipient", "sender_domain", "subject_keyword", "organisation__name"]


class InboundMessageAdminBase(ReadOnlyAdmin):
    list_display = ["received_at", "sender", "subject", "outcome", "reason", "request"]
    list_select_related = ["request"]
    search_fields = ["sender", "subject", "message_id", "request__tracking_code"]
    date_hierarchy = "received_at"
    readonly_fields = ["raw_text"]
    exclude = ["raw"]

    @admin.display(description=_("raw message"))
    def raw_text(self, obj: InboundMessage):
        try:
            with obj.raw.open("rb") as file:
                text = file.read(RAW_SHOWN).decode("utf-8", errors="replace")
        except (OSError, ValueError):
            return _("(the raw message is missing)")
        return format_html("<pre style='white-space: pre-wrap'>{}</pre>", text)


@admin.register(InboundMessage)
class InboundMessageAdmin(InboundMessageAdminBase):
    list_filter = ["outcome", "mailbox"]


@admin.register(QuarantinedMessage)
class QuarantinedMessageAdmin(InboundMessageAdminBase):
    list_display = ["received_at", "sender", "subject", "reason", "size"]
    list_filter = ["mailbox"]
