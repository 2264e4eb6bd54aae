"""E-mail through Django's e-mail backend: SMTP in production, a file or memory elsewhere."""

import re
import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from notifications.channels import Transport, TransportError
from notifications.models import Notification

#: How many earlier messages of a conversation ``References`` names (the newest ones).
MAX_REFERENCES = 20


def mail_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"


def message_id(notification: Notification) -> str:
    """The same Message-ID on every attempt of one row: if a worker dies after the server took
    the message and it goes out again, mail systems can tell the copies apart from new mail.

    A message about something (a request) names it: ``<request-42.n1234@domain>``; an answer
    naming it comes back to that request (:func:`notification_of`)."""
    thread = re.sub(r"[^A-Za-z0-9-]", "", f"{notification.subject_type}-{notification.subject_id}")
    if notification.subject_type and thread:
        return f"<{thread}.n{notification.pk}@{mail_domain()}>"
    return f"<notification.{notification.pk}@{mail_domain()}>"


def notification_of(msg_id: str) -> int | None:
    """The outbox row whose :func:`message_id` is ``msg_id`` (its primary key), if it is ours."""
    domain = re.escape(mail_domain())
    found = re.fullmatch(rf"<?(?:notification\.|[A-Za-z0-9-]+\.n)(\d{{1,18}})@{domain}>?", msg_id)
    return int(found.group(1)) if found else None


def thread_headers(notification: Notification) -> dict[str, str]:
    """``In-Reply-To`` and ``References`` of the conversation the row belongs to: the earlier
    e-mails to the same recipient about the same subject, and the customer's messages they
    answered, oldest first (the latest :data:`MAX_REFERENCES`); the same on every attempt,
    since earlier rows never change."""
    if not notification.subject_type:
        return {}
    earlier = Notification.objects.filter(
        subject_type=notification.subject_type,
        subject_id=notification.subject_id,
        channel=notification.channel,
        recipient__iexact=notification.recipient,
        pk__lt=notification.pk,
    ).order_by("-pk")[:MAX_REFERENCES]
    references: list[str] = []
    for row in [*reversed(earlier), notification]:
        if row.in_reply_to:
            references.append(row.in_reply_to)
        if row.pk != notification.pk:
            references.append(message_id(row))
    references = list(dict.fromkeys(references))[-MAX_REFERENCES:]
    if not references:
        return {}
    # The parent is the customer's e-mail this row answers, else our latest before it.
    parent = notification.in_reply_to or references[-1]
    return {"In-Reply-To": parent, "References": " ".join(references)}


class EmailTransport(Transport):
    def send(self, notification: Notification) -> str:
        try:
            validate_email(notification.recipient)
        except ValidationError:
            raise TransportError(
                f"invalid e-mail address {notification.recipient!r}", permanent=True
            ) from None
        msg_id = message_id(notification)
        message = EmailMessage(
            # A line break in a subject would be refused as header injection; it is never meant.
            subject=" ".join(notification.subject.split()),
            body=notification.body,
            to=[notification.recipient],
            headers={"Message-ID": msg_id, **thread_headers(notification)},
            connection=get_connection(fail_silently=False),
        )
        for attachment in notification.attachments or []:
            message.attach(*_attachment(attachment))
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _reply in exc.recipients.values()]
            raise TransportError(
                f"recipient refused: {exc.recipients}", permanent=_permanent(codes)
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Our credentials, not this message: retry until an admin fixes the settings.
            raise TransportError(f"SMTP authentication failed: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            raise TransportError(
                f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                permanent=_permanent([exc.smtp_code]),
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Refused connections, timeouts, a dropped session: the server may be back soon.
            raise TransportError(f"SMTP unreachable: {exc.__class__.__name__}: {exc}") from exc
        except ValueError as exc:
            # Django refuses a malformed address or header before talking to the server.
            raise TransportError(f"message refused: {exc}", permanent=True) from exc
        return msg_id


def _attachment(attachment: dict) -> tuple[str, bytes, str]:
    """A file the message carries, read from the private storage; gone for good (purged) is a
    permanent error: the message is not sent without it."""
    try:
        with storages["private"].open(attachment["file"], "rb") as handle:
            content = handle.read()
    except (KeyError, OSError) as exc:
        raise TransportError(f"attachment missing: {exc}", permanent=True) from exc
    return (
        attachment.get("name") or "attachment",
        content,
        attachment.get("content_type") or "application/octet-stream",
    )


def _permanent(codes: list[int]) -> bool:
    """5xx means "never with this message"; 4xx (and anything unknown) "try again later"."""
    return bool(codes) and all(500 <= code < 600 for code in codes)


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
