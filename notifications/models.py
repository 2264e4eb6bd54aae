from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """The last time each periodic job ran, in the database every process shares."""

    name = models.CharField(_("job"), max_length=60, unique=True)
    at = models.DateTimeField(_("last run"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.at:%Y-%m-%d %H:%M:%S}"


class NotificationStep(models.TextChoices):
    REMINDER = "reminder", _("Reminder")
    BREACH = "breach", _("Breach")
    ESCALATION_1 = "escalation-1", _("Escalation to the team manager")
    ESCALATION_2 = "escalation-2", _("Escalation to the division head")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement to the customer")
    MESSAGE = "message", _("Message to the customer")
    NOTICE = "notice", _("Public notice")


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class NotificationState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    RETRY_WAIT = "retry-wait", _("Waiting to retry")
    FAILED = "failed", _("Failed")


# States delivery still has to act on.
PENDING_STATES = (NotificationState.QUEUED, NotificationState.RETRY_WAIT)


class Notification(models.Model):
    """One message to one recipient on one channel: the outbox row delivery works from.

    The row is written in the same transaction as what caused it (a clock's step, a
    communication the desk logged), so a message that is owed exists even if every worker dies
    before sending it. ``idempotency_key`` makes writing the same message twice impossible.
    """

    # Unique through Meta.constraints, not ``unique=True``, which on PostgreSQL adds a second
    # index (``varchar_pattern_ops``, for LIKE) that nothing reads and every row written pays.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    step = models.CharField(_("step"), max_length=20, choices=NotificationStep.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.CharField(
        _("recipient"), max_length=254, help_text=_("An e-mail address or a phone number.")
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient user"),
    )
    language = models.CharField(_("language"), max_length=8, default="ko")
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    body = models.TextField(_("body"))
    # Files sent with an e-mail: [{"name", "content_type", "file"}], "file" a name in the
    # "private" storage (settings.STORAGES).
    attachments = models.JSONField(_("attachments"), default=list, blank=True)

    # What it concerns: a clock, and/or the subject a clock would name ("request", "42").
    deadline = models.ForeignKey(
        "commitments.Deadline",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("clock"),
    )
    subject_type = models.CharField(_("subject type"), max_length=40, blank=True)
    subject_id = models.CharField(_("subject id"), max_length=64, blank=True)
    # The customer's e-mail this message answers (its Message-ID), so their mail client
    # threads our answer under what they wrote.
    in_reply_to = models.CharField(_("in reply to"), max_length=998, blank=True)

    state = models.CharField(
        _("state"),
        max_length=12,
        choices=NotificationState.choices,
        default=NotificationState.QUEUED,
    )
    created_at = models.DateTimeField(_("written at"), default=timezone.now)
    send_after = models.DateTimeField(
        _("send after"),
        default=timezone.now,
        help_text=_("Not sent before this instant (the recipient's business hours)."),
    )
    next_attempt_at = models.DateTimeField(
        _("next attempt at"),
        null=True,
        blank=True,
        help_text=_("When delivery next tries; empty once sent or failed."),
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_id = models.CharField(_("provider id"), max_length=200, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    possible_duplicates = models.PositiveIntegerField(
        _("possible duplicates"),
        default=0,
        help_text=_(
            "Times a send was abandoned mid-way (a worker died) and tried again: the recipient "
            "may have received the message more than once."
        ),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # Delivery's "what is ready to send" reads only rows that still owe an attempt.
            models.Index(
                fields=["next_attempt_at"],
                name="notification_next_attempt",
                condition=models.Q(next_attempt_at__isnull=False),
            ),
            models.Index(fields=["subject_type", "subject_id"], name="notification_subject"),
            models.Index(fields=["state", "created_at"], name="notification_state"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], name="notifications_notification_idempotency_key_key"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    state__in=[choice for choice, _label in NotificationState.choices]
                ),
                name="notification_state_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.step} → {self.recipient} ({self.state})"


class DeliveryStop(models.Model):
    """A clock that an act on an outbox channel keeps only once the gateway accepted it (an SMS
    for ``bcp.trouble-sms``), and the messages of that act: the clock stops when every message
    of the act is sent, at the instant the last one was accepted. A queued or failed message
    stops nothing."""

    deadline = models.ForeignKey(
        "commitments.Deadline",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("clock"),
    )
    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="clock_stops",
        verbose_name=_("notification"),
    )
    act = models.CharField(
        _("act"), max_length=200, help_text=_("The act the message belongs to, e.g. an SMS.")
    )
    cause = models.CharField(_("cause"), max_length=200)
    cause_data = models.JSONField(_("cause data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("clock stopped on delivery")
        verbose_name_plural = _("clocks stopped on delivery")
        indexes = [models.Index(fields=["deadline", "act"], name="delivery_stop_act")]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "notification"], name="one_delivery_stop_per_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.act} → clock {self.deadline_id}"


# Public notices live in their own module; Django finds models through this one.
from notifications.incidents.models import (  # noqa: E402, F401
    Incident,
    IncidentMessage,
    IncidentRecipient,
)
from notifications.notices.models import (  # noqa: E402, F401
    Announcement,
    SuspensionPlan,
    SuspensionRecipient,
)
