"""Admin for inbound e-mail: the routing rules admins edit, every message read (with what
became of it), and the quarantine list with each message's reason and raw text, from which
an admin may release a message held back for its size or an executable-looking attachment;
and each mailbox's health (per share: first tried, last read, last failure)."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from requests_desk.admin.desk import ReadOnlyAdmin
from requests_desk.mail.release import NotReleased, quarantine_release
from requests_desk.models import InboundMessage, MailboxHealth, MailRoute, QuarantinedMessage

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
    list_display = ["received_at", "sender", "subject", "outcome", "reason", "request", "mailbox"]
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
    actions = ["release"]

    def has_release_permission(self, request) -> bool:
        return request.user.has_perm("requests_desk.change_inboundmessage")

    @admin.action(
        description=_("Release from quarantine (file as a case or a reply)"),
        permissions=["release"],
    )
    def release(self, request, queryset):
        for record in queryset.order_by("received_at", "pk"):
            try:
                done = quarantine_release(record, actor=request.user)
            except NotReleased as refusal:
                self.message_user(
                    request,
                    gettext("%(message)s was not released: %(why)s")
                    % {"message": record, "why": refusal},
                    messages.WARNING,
                )
                continue
            self.log_change(request, done, gettext("Released from quarantine."))
            self.message_user(
                request,
                gettext("%(message)s released: %(outcome)s %(code)s")
                % {
                    "message": done,
                    "outcome": done.get_outcome_display(),
                    "code": done.request.tracking_code if done.request_id else "",
                },
                messages.SUCCESS,
            )


@admin.register(MailboxHealth)
class MailboxHealthAdmin(ReadOnlyAdmin):
    list_display = [
        "mailbox",
        "shard",
        "shards",
        "first_tried_at",
        "last_read_at",
        "last_failure_at",
        "last_failure",
    ]
    search_fields = ["mailbox"]
