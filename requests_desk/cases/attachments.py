"""Customers' attachments: which files we take (by name AND by content), and keeping them.

A file is taken when its extension is on the list and its first bytes are what that kind of
file starts with; its stored name is random, so nothing the customer typed reaches a path."""

import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.utils.translation import gettext as _

from requests_desk.cases.errors import DeskError
from requests_desk.models import Attachment, Request

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # HWP 5 (and old Office) compound files
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class Kind:
    content_type: str
    check: object  # (head: bytes, upload) -> bool


def _starts(*magics: bytes):
    return lambda head, upload: head.startswith(magics)


def _text(head: bytes, upload) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp949"):
        try:
            # A multi-byte character may be cut at the end of the sample.
            head.decode(encoding) if len(head) < SNIFF_BYTES else head[:-4].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _office(folder: str):
    def check(head: bytes, upload) -> bool:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


KINDS = {
    "pdf": Kind("application/pdf", _starts(b"%PDF-")),
    "png": Kind("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": Kind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": Kind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "txt": Kind("text/plain", _text),
    "csv": Kind("text/csv", _text),
    "xlsx": Kind(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _office("xl/")
    ),
    "docx": Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _office("word/"),
    ),
    "hwp": Kind("application/x-hwp", _starts(OLE)),
}


@dataclass(frozen=True)
class CheckedFile:
    """An upload :func:`attachment_check` took, with the kind its content showed."""

    upload: object
    kind: Kind


def allowed_extensions() -> str:
    return ", ".join(sorted({e for e in KINDS if e != "jpeg"}))


def attachment_check(upload, *, field: str = "attachment") -> Kind:
    """The kind of ``upload`` if we take it; :class:`DeskError` (or :class:`TooLarge`) if not."""
    name = str(getattr(upload, "name", "") or "")
    extension = PurePath(name).suffix.lower().lstrip(".")
    if upload.size > settings.CHARTER_ATTACHMENT_MAX_BYTES:
        raise TooLarge(field)
    kind = KINDS.get(extension)
    if kind is None:
        raise DeskError(
            {
                field: [
                    _("This type of file is not accepted. Accepted: %(types)s.")
                    % {"types": allowed_extensions()}
                ]
            }
        )
    if upload.size == 0:
        raise DeskError({field: [_("The file is empty.")]})
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if not kind.check(head, upload):
        raise DeskError(
            {
                field: [
                    _("The file's content is not a %(type)s file, whatever its name says.")
                    % {"type": extension.upper()}
                ]
            }
        )
    return kind


def attachment_store(
    request: Request, upload, *, kind: Kind, activity=None, from_customer: bool = True
) -> Attachment:
    """Keep ``upload`` (already checked) for ``request`` under a random name, with the line
    (``activity``) it came with, if any."""
    original = PurePath(str(upload.name)).name.replace("\x00", "")[:255] or "attachment"
    extension = PurePath(original).suffix.lower()
    attachment = Attachment(
        request=request,
        activity=activity,
        original_name=original,
        content_type=kind.content_type,
        size=upload.size,
        from_customer=from_customer,
    )
    upload.seek(0)
    attachment.file.save(f"{uuid.uuid4().hex}{extension}", upload, save=False)
    attachment.save()
    return attachment


def attachments_store(
    request: Request, files: Sequence[CheckedFile], *, activity, from_customer: bool
) -> list[Attachment]:
    """Keep checked ``files`` with the line they came with."""
    return [
        attachment_store(
            request, f.upload, kind=f.kind, activity=activity, from_customer=from_customer
        )
        for f in files
    ]


def attachments_for_mail(attachments: Sequence[Attachment]) -> list[dict]:
    """The files as an outbox row names them: the e-mail channel reads them by name from the
    private storage when it sends."""
    return [
        {"name": a.original_name, "content_type": a.content_type, "file": a.file.name}
        for a in attachments
    ]


def attachment_customer_may_fetch(attachment: Attachment) -> bool:
    """The customer may download what they sent, and what came with something we told them;
    never a file on an internal note."""
    if attachment.from_customer:
        return True
    return attachment.activity is not None and attachment.activity.public


class TooLarge(DeskError):
    """The attachment is over ``CHARTER_ATTACHMENT_MAX_BYTES``: a 413, not a 400. May carry
    the other fields' errors too, so the form shows them all at once."""

    def __init__(self, field: str = "attachment", errors: dict | None = None):
        super().__init__(
            errors
            or {
                field: [
                    _("The file is too large (at most %(size)s).")
                    % {"size": megabytes(settings.CHARTER_ATTACHMENT_MAX_BYTES)}
                ]
            }
        )


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} B"
