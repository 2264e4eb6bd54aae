"""``/api/v1/notifications/``: the outbox, read-only, for managers and admins (SPEC §5).

Who sees what: an admin every row. A manager the rows about the divisions they may see
(:func:`commitments.access.divisions_of`): through the row's clock, or — for a message with no
clock of its own, such as a request's acknowledgement — through any clock of the same subject.
A message about nothing a division owns (no clock, no subject with clocks) only admins see.
"""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, viewsets

from commitments.access import divisions_of, is_manager
from commitments.models import Deadline
from commitments.subjects import REQUEST_SUBJECT
from notifications.models import (
    Notification,
    NotificationChannel,
    NotificationState,
    NotificationStep,
)


class IsManagerOrAdmin(permissions.BasePermission):
    message = _("Only managers and admins may read the notifications.")

    def has_permission(self, request, view) -> bool:
        return is_manager(request.user)


class NotificationSerializer(serializers.ModelSerializer):
    request = serializers.SerializerMethodField()
    deadline = serializers.IntegerField(source="deadline_id", read_only=True, allow_null=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "idempotency_key",
            "request",
            "deadline",
            "step",
            "channel",
            "recipient",
            "state",
            "send_after",
            "attempts",
            "last_error",
            "sent_at",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_request(self, notification: Notification) -> int | None:
        """The request's id when the message concerns one."""
        if notification.subject_type == REQUEST_SUBJECT and notification.subject_id.isdigit():
            return int(notification.subject_id)
        return None


class NotificationFilter(filters.FilterSet):
    request = filters.NumberFilter(method="filter_request", label=_("request id"))
    step = filters.ChoiceFilter(choices=NotificationStep.choices)
    state = filters.ChoiceFilter(choices=NotificationState.choices)
    channel = filters.ChoiceFilter(choices=NotificationChannel.choices)

    class Meta:
        model = Notification
        fields = ["request", "step", "state", "channel"]

    def filter_request(self, queryset, name, value):
        return queryset.filter(subject_type=REQUEST_SUBJECT, subject_id=str(int(value)))


def notifications_visible_to(*, user):
    """The outbox rows ``user`` may read (see the module's docstring)."""
    rows = Notification.objects.order_by("-created_at", "-id")
    divisions = divisions_of(user)
    if divisions is None:
        return rows
    same_subject_clock = Deadline.objects.of_subject(
        OuterRef("subject_type"), OuterRef("subject_id")
    ).filter(division_id__in=divisions)
    return rows.filter(
        Q(deadline__division_id__in=divisions)
        | Q(deadline__isnull=True, subject_type__gt="") & Exists(same_subject_clock)
    )


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Messages in the outbox: what was sent, what waits, what failed and why."""

    serializer_class = NotificationSerializer
    permission_classes = [permissions.IsAuthenticated, IsManagerOrAdmin]
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self):
        return notifications_visible_to(user=self.request.user)
