"""E-mail that comes in: the routing rules admins edit, and the record of every message read."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from requests_desk.models.customers import Organisation
from requests_desk.models.requests import Activity, Request
from requests_desk.storage import private_storage
from requests_desk.vocabulary import RequestKind


class MailRoute(models.Model):
    """Where an e-mail goes: every condition the rule gives must hold (the address it was sent
    to, the sender's domain, a word in the subject); each outcome (organisation, division and
    team, kind) is taken from the first matching rule, by position, that gives one."""

    position = models.PositiveIntegerField(_("rule order"), default=100)
    active = models.BooleanField(_("active"), default=True)
    recipient = models.EmailField(
        _("sent to"), blank=True, help_text=_("The mailbox address the message was sent to.")
    )
    sender_domain = models.CharField(
        _("sender's domain"), max_length=253, blank=True, help_text=_("e.g. example.co.kr")
    )
    subject_keyword = models.CharField(_("word in the subject"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mail_routes",
        verbose_name=_("organisation"),
        help_text=_("The sender's organisation; replies from its domain thread to its cases."),
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    team = models.ForeignKey(
        "commitments.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=RequestKind.choices, blank=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("e-mail routing rule")
        verbose_name_plural = _("e-mail routing rules")

    def __str__(self) -> str:
        conditions = [self.recipient, self.sender_domain, self.subject_keyword]
        return " · ".join(c for c in conditions if c) or str(self.pk)

    def clean(self) -> None:
        self.recipient = self.recipient.strip().lower()
        self.sender_domain = self.sender_domain.strip().lower().lstrip("@")
        self.subject_keyword = self.subject_keyword.strip()
        errors = {}
        if not (self.recipient or self.sender_domain or self.subject_keyword):
            errors["recipient"] = _("Give at least one condition.")
        if not (self.organisation_id or self.division_id or self.team_id or self.kind):
            errors["kind"] = _("Give at least one outcome.")
        if self.team_id and self.division_id and self.team.division_id != self.division_id:
            errors["team"] = _("The team is not in this division.")
        if errors:
            raise ValidationError(errors)


class InboundOutcome(models.TextChoices):
    NEW_CASE = "new_case", _("New case")
    REPLY = "reply", _("Added to its case")
    REFUSED_CLOSED = "refused_closed", _("Refused: the case is closed")
    AUTOMATIC = "automatic", _("Automatic mail: not answered")
    QUARANTINED = "quarantined", _("Quarantined")


class InboundMessage(models.Model):
    """One e-mail read from a mailbox, recorded before it is marked read there: ``key`` (its
    Message-ID, or its content when it has none) is unique, so a message read again (a crash
    before the mark, the same mail delivered twice) is recognised and makes nothing more.
    The raw message is kept whatever became of it; nothing is dropped."""

    key = models.CharField(_("key"), max_length=80, unique=True)
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True)
    mailbox = models.CharField(_("mailbox"), max_length=200)
    uid = models.CharField(_("UID"), max_length=200, blank=True)
    # The IMAP folder's UIDVALIDITY when it was read: with the mailbox and the UID, which
    # message of which mailbox this was (UIDs start over when the folder is made anew).
    uid_validity = models.PositiveBigIntegerField(_("UID validity"), null=True, blank=True)
    sender = models.CharField(_("from"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    raw = models.FileField(
        _("raw message"), upload_to="mail/%Y/%m/", max_length=300, storage=private_storage
    )
    received_at = models.DateTimeField(_("read at"), default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=20, choices=InboundOutcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    request = models.ForeignKey(
        Request,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
        verbose_name=_("request"),
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("timeline line"),
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        indexes = [
            models.Index(fields=["outcome", "received_at"], name="inbound_outcome"),
            models.Index(fields=["message_id"], name="inbound_message_id"),
            models.Index(fields=["mailbox", "uid_validity", "uid"], name="inbound_mailbox_uid"),
        ]

    def __str__(self) -> str:
        return f"{self.sender} · {self.subject}"


class QuarantinedMessageManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(outcome=InboundOutcome.QUARANTINED)


class QuarantinedMessage(InboundMessage):
    """The quarantine list: messages kept but not made cases, with the reason."""

    objects = QuarantinedMessageManager()

    class Meta:
        proxy = True
        verbose_name = _("quarantined e-mail")
        verbose_name_plural = _("quarantined e-mails")


class MailboxHealth(models.Model):
    """How one share of one configured mailbox fares: when a poll first tried it, when one last
    read it through, and the last failure. /healthz calls a mailbox stale when a share of it
    has not been read for ``CHARTER_MAIL_STALE_MINUTES``; a share left to another poll (which
    holds it) is not a read."""

    # The mailbox as /healthz names it: the account's name and the folder ("market/INBOX").
    mailbox = models.CharField(_("mailbox"), max_length=200)
    shard = models.PositiveSmallIntegerField(_("share"))
    shards = models.PositiveSmallIntegerField(_("shares"))
    first_tried_at = models.DateTimeField(_("first tried at"))
    last_read_at = models.DateTimeField(_("last read at"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    last_failure = models.TextField(_("last failure"), blank=True)

    class Meta:
        ordering = ["mailbox", "shards", "shard"]
        verbose_name = _("mailbox health")
        verbose_name_plural = _("mailbox health")
        constraints = [
            models.UniqueConstraint(
                fields=["mailbox", "shard", "shards"], name="mailbox_health_share"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} {self.shard + 1}/{self.shards}"
