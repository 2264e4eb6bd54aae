"""E-mail through Django's e-mail backend: SMTP in production, a file or memory elsewhere."""

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

from notifications.channels import Transport, TransportError
from notifications.models import Notification


def message_id(notification: Notification) -> str:
    """The same Message-ID on every attempt of one row: if a worker dies after the server took
    the message and it goes out again, mail systems can tell the copies apart from new mail."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<notification.{notification.pk}@{domain}>"


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
            headers={"Message-ID": msg_id},
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
