"""The outbox in the admin: every message, why one failed, and a way to send it again."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.delivery import notification_retry
from notifications.models import Notification, NotificationState


class AttentionFilter(admin.SimpleListFilter):
    """The first filter in the sidebar: the messages someone has to look at."""

    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("failed", _("Failed")),
            ("retrying", _("Retrying")),
            ("duplicates", _("Possibly sent twice")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "failed":
                return queryset.filter(state=NotificationState.FAILED)
            case "retrying":
                return queryset.filter(
                    Q(state=NotificationState.RETRY_WAIT) | Q(state=NotificationState.SENDING)
                )
            case "duplicates":
                return queryset.filter(possible_duplicates__gt=0)
        return queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "state",
        "step",
        "channel",
        "recipient",
        "send_after",
        "attempts",
        "short_error",
    ]
    list_filter = [AttentionFilter, "state", "step", "channel"]
    search_fields = ["recipient", "idempotency_key", "subject"]
    date_hierarchy = "created_at"
    actions = ["retry"]
    fields = [
        ("state", "attempts", "possible_duplicates"),
        ("step", "channel", "language"),
        ("recipient", "recipient_user"),
        "subject",
        "body",
        ("deadline", "subject_type", "subject_id"),
        "idempotency_key",
        ("created_at", "send_after", "next_attempt_at"),
        ("claimed_at", "sent_at", "provider_id"),
        "last_error",
    ]
    # An outbox row records what happened; nobody edits it.
    readonly_fields = [
        name for row in fields for name in (row if isinstance(row, tuple) else [row])
    ]

    @admin.display(description=_("last error"))
    def short_error(self, notification: Notification) -> str:
        error = notification.last_error
        return error if len(error) <= 80 else f"{error[:79]}…"

    @admin.action(description=_("Send the selected failed messages again"), permissions=["change"])
    def retry(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        count = notification_retry(notification_ids=ids)
        self.message_user(
            request,
            ngettext(
                "%(count)d message queued to be sent again.",
                "%(count)d messages queued to be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
        if count < len(ids):
            self.message_user(
                request,
                _("Only failed messages are sent again; %(count)d selected were left alone.")
                % {"count": len(ids) - count},
                messages.WARNING,
            )

    def has_add_permission(self, request) -> bool:
        # Messages are written by the sweep and the desk, with their idempotency keys.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # The outbox is the record of what was sent; deleting rows would hide failures.
        return False


# Public notices register their own read-only pages.
import notifications.incidents.admin  # noqa: E402
import notifications.notices.admin  # noqa: E402, F401
