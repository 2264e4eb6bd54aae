"""Taking an e-mail apart: who sent it, what it says, what it answers, what it carries.

A message we must not make a case of raises :class:`Unacceptable` with the reason it goes to
quarantine for (too large, malformed MIME, an unknown charset, something that looks like a
virus). Korean mail comes in EUC-KR, CP949 (often labelled EUC-KR or ``ks_c_5601-1987``) and
ISO-2022-KR: all decode."""

import codecs
import functools
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from email import errors, policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import getaddresses, parseaddr
from pathlib import PurePath

from django.conf import settings
from django.utils.html import strip_tags

# Structural faults after which we cannot tell the body from the attachments.
MALFORMED = (
    errors.NoBoundaryInMultipartDefect,
    errors.StartBoundaryNotFoundDefect,
    errors.MultipartInvariantViolationDefect,
    errors.MissingHeaderBodySeparatorDefect,
    errors.MisplacedEnvelopeHeaderDefect,
)
EXECUTABLE_EXTENSIONS = {
    "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "jar", "js", "jse",
    "vbs", "vbe", "wsf", "wsh", "ps1", "hta", "lnk", "reg", "iso", "img", "vhd",
}  # fmt: skip
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe")
# A zip expanding past either is a bomb, not a document.
ZIP_MAX_RATIO = 100
ZIP_MAX_EXPANDED = 200 * 1024 * 1024
ZIP_MAX_MEMBERS = 10_000
# Labels Korean mailers use that Python spells otherwise, or that mean the wider set.
CHARSET_ALIASES = {"ks_c_5601-1987": "cp949", "ks_c_5601": "cp949", "x-windows-949": "cp949"}
AUTOMATIC_SENDERS = ("mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply")


#: The reasons for quarantine that are a judgement a person may overrule: the size, and an
#: attachment that looks executable. The others (malformed MIME, an unknown charset, no sender)
#: mean the message cannot be read at all.
LIFTABLE = frozenset({"oversized", "virus"})


class _ParsingPolicy(EmailPolicy):
    """``policy.default``, with each header parsed once: the email package parses a header
    again on every look-up, and reading a part's type, charset, file name and payload looks up
    its Content-Type and Content-Disposition a dozen times."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name"):
            return value
        return _header_parsed(name, value)


@functools.lru_cache(maxsize=128)
def _header_parsed(name: str, value: str):
    # The header objects are read-only strings: one serves every message with this header.
    return policy.default.header_fetch_parse(name, value)


PARSING_POLICY = _ParsingPolicy()


class Unacceptable(Exception):
    """The message goes to quarantine; ``reason`` is a short code, the text says more."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason


@dataclass(frozen=True)
class MailPart:
    name: str
    data: bytes
    content_type: str


@dataclass
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    recipients: list[str]
    subject: str
    text: str
    references: list[str]
    automatic: str = ""  # why it is automatic mail, or ""
    attachments: list[MailPart] = field(default_factory=list)


def message_id_of(raw: bytes) -> str:
    """The Message-ID alone, from the headers (even of a message that fails :func:`mail_parse`)."""
    headers = BytesParser(policy=policy.compat32).parsebytes(raw[:65536], headersonly=True)
    return " ".join(str(headers.get("Message-ID", "")).split())[:998]


def mail_parse(
    raw: bytes,
    *,
    own_addresses: set[str] = frozenset(),
    message_id: str | None = None,
    allow: frozenset[str] = frozenset(),
) -> ParsedMail:
    """``message_id``: :func:`message_id_of` ``raw``, when the caller has read it already.
    ``allow``: the reasons for quarantine a person has lifted for this message (``oversized``,
    ``virus``: :data:`LIFTABLE`); the message must still be readable."""
    if "oversized" not in allow and len(raw) > settings.CHARTER_MAIL_MAX_BYTES:
        raise Unacceptable(
            "oversized", f"{len(raw)} bytes, more than {settings.CHARTER_MAIL_MAX_BYTES}"
        )
    message = BytesParser(policy=PARSING_POLICY).parsebytes(raw)
    _require_well_formed(message)
    name, sender = _sender(message)
    text, attachments = _contents(message, check_harmless="virus" not in allow)
    references = _ids(message.get("In-Reply-To", "")) + _ids(message.get("References", ""))
    return ParsedMail(
        message_id=message_id_of(raw) if message_id is None else message_id,
        sender=sender,
        sender_name=name,
        recipients=_recipients(message),
        subject=" ".join(_header(message, "Subject").split()),
        text=text,
        references=list(dict.fromkeys(references)),
        automatic=_automatic(message, sender=sender, own_addresses=own_addresses),
        attachments=attachments,
    )


def _require_well_formed(message: Message) -> None:
    for part in message.walk():
        for defect in part.defects:
            if isinstance(defect, MALFORMED):
                raise Unacceptable("malformed", f"malformed MIME: {defect.__class__.__name__}")


def _header(message: Message, name: str) -> str:
    try:
        return str(message.get(name, "") or "")
    except (LookupError, ValueError, TypeError, IndexError) as exc:
        raise Unacceptable("malformed", f"unreadable {name} header: {exc}") from exc


def _sender(message: Message) -> tuple[str, str]:
    name, address = parseaddr(_header(message, "From"))
    address = address.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
        raise Unacceptable("no_sender", "no sender address (From)")
    return " ".join(name.split()), address


def _recipients(message: Message) -> list[str]:
    fields = [
        _header(message, name)
        for name in ("Delivered-To", "X-Original-To", "To", "Cc")
        if message.get(name)
    ]
    return [addr.lower() for _name, addr in getaddresses(fields) if "@" in addr]


def _ids(value) -> list[str]:
    return re.findall(r"<[^<>\s]+>", str(value or ""))


def _automatic(message: Message, *, sender: str, own_addresses: set[str]) -> str:
    """Why this is mail no person wrote (which we must never answer), or ""."""
    auto = _header(message, "Auto-Submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    if message.get("X-Autoreply") or message.get("X-Autorespond"):
        return "auto-reply header"
    if message.get_content_type() == "multipart/report":
        return "delivery report"
    if sender.partition("@")[0] in AUTOMATIC_SENDERS:
        return f"automatic sender {sender}"
    if _header(message, "Return-Path").strip() == "<>":
        return "bounce (empty Return-Path)"
    if sender in own_addresses:
        return "sent by us"
    return ""


def _contents(message: EmailMessage, *, check_harmless: bool) -> tuple[str, list[MailPart]]:
    plain, rich, attachments = [], [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = _filename(part)
        disposition = part.get_content_disposition()
        if filename or disposition == "attachment" or part.get_content_maintype() not in ("text",):
            if part.get_content_type() in ("message/delivery-status",):
                continue
            data = part.get_payload(decode=True) or b""
            attachment = MailPart(
                name=filename or "attachment", data=data, content_type=part.get_content_type()
            )
            if check_harmless:
                _require_harmless(attachment)
            attachments.append(attachment)
        elif part.get_content_subtype() == "html":
            rich.append(_decoded(part))
        else:
            plain.append(_decoded(part))
    if plain:
        text = "\n\n".join(plain)
    else:
        text = "\n\n".join(html.unescape(strip_tags(body)) for body in rich)
    return text.replace("\r\n", "\n").strip(), attachments


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except (LookupError, ValueError) as exc:
        raise Unacceptable("charset", f"unreadable attachment name: {exc}") from exc
    return PurePath(str(name).replace("\\", "/")).name.replace("\x00", "")[:255]


def _decoded(part: Message) -> str:
    data = part.get_payload(decode=True) or b""
    label = (part.get_content_charset() or "us-ascii").strip().lower()
    charset = CHARSET_ALIASES.get(label, label)
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        raise Unacceptable("charset", f"unknown charset {label!r}") from None
    if codec in ("euc_kr", "ascii"):
        # Mailers label CP949 text (extended Hangul) EUC-KR, and 8-bit text ASCII.
        for attempt in (codec, "cp949", "utf-8"):
            try:
                return data.decode(attempt)
            except UnicodeDecodeError:
                continue
    return data.decode(codec, errors="replace")


def _require_harmless(attachment: MailPart) -> None:
    extension = PurePath(attachment.name).suffix.lower().lstrip(".")
    if extension in EXECUTABLE_EXTENSIONS or attachment.data.startswith(EXECUTABLE_MAGIC):
        raise Unacceptable("virus", f"executable attachment {attachment.name!r}")
    if attachment.data.startswith(b"PK\x03\x04"):
        _require_harmless_zip(attachment)


def _require_harmless_zip(attachment: MailPart) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(attachment.data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return  # not a zip after all: the attachment checks refuse it by content
    expanded = sum(member.file_size for member in members)
    packed = max(sum(member.compress_size for member in members), 1)
    if (
        len(members) > ZIP_MAX_MEMBERS
        or expanded > ZIP_MAX_EXPANDED
        or expanded / packed > ZIP_MAX_RATIO
    ):
        raise Unacceptable(
            "virus", f"zip bomb {attachment.name!r}: {len(members)} files, {expanded} bytes"
        )
    for member in members:
        suffix = PurePath(member.filename).suffix.lower().lstrip(".")
        if suffix in EXECUTABLE_EXTENSIONS:
            raise Unacceptable(
                "virus", f"executable {member.filename!r} inside {attachment.name!r}"
            )
