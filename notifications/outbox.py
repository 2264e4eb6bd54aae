"""Writing to the outbox: the one way anything in the portal sends a message."""

from datetime import datetime

from django.utils import timezone

from notifications.models import Notification, NotificationState


def notification_enqueue(
    *,
    idempotency_key: str,
    step: str,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    language: str = "ko",
    recipient_user=None,
    deadline=None,
    subject_type: str = "",
    subject_id: str | int = "",
    send_after: datetime | None = None,
) -> Notification:
    """Write one message to the outbox, inside the caller's transaction.

    Writing the same ``idempotency_key`` again returns the row already written and sends
    nothing more, so a retried sweep or a resubmitted form never sends a message twice."""
    send_after = send_after or timezone.now()
    if deadline is not None and not subject_type:
        subject_type, subject_id = deadline.subject_type, deadline.subject_id
    notification, _created = Notification.objects.get_or_create(
        idempotency_key=idempotency_key,
        defaults={
            "step": step,
            "channel": channel,
            "recipient": recipient,
            "recipient_user": recipient_user,
            "language": language,
            "subject": subject[:300],
            "body": body,
            "deadline": deadline,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "state": NotificationState.QUEUED,
            "send_after": send_after,
            "next_attempt_at": send_after,
        },
    )
    return notification
