"""Building e-mails as customers' mail clients (and auto-responders) send them."""

import itertools
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from django.utils import timezone

_numbers = itertools.count(1)


def email_bytes(
    *,
    sender: str = "Kim Minji <minji@kbsec.example>",
    to: str = "support@charter.example",
    subject: str = "VPN 접속 불가",
    body: str = "오늘 아침부터 VPN에 접속할 수 없습니다.",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    headers: dict | None = None,
    attachments: list[tuple[str, bytes, str]] = (),
    charset: str = "utf-8",
) -> bytes:
    message = EmailMessage()
    if sender:
        message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = message_id or make_msgid(
        idstring=f"t{next(_numbers)}", domain="client.example"
    )
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references or in_reply_to:
        message["References"] = references or in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body, charset=charset)
    for name, data, content_type in attachments:
        maintype, _slash, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def raw_email(text: str) -> bytes:
    """A message written out by hand (headers, blank line, body), with CRLF line ends."""
    return text.strip("\n").replace("\n", "\r\n").encode("latin-1") + b"\r\n"
