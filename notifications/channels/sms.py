"""SMS through a pluggable gateway backend, chosen by ``settings.SMS_BACKEND``:

- ``http``: the operator's gateway (:mod:`notifications.channels.sms_http`);
- ``file``: one JSON line per message under ``SMS_FILE_PATH`` (development, ``make run``);
- ``console``: printed to standard output.

Korean carriers bill a text up to 90 bytes as SMS and anything longer as LMS. Bytes are counted
in CP949, the extension of EUC-KR that gateways and handsets actually use: the same two bytes as
EUC-KR for every Korean character in KS X 1001, and two (not EUC-KR's eight-byte make-up
sequence) for the rarer Hangul syllables. A character CP949 cannot carry (an emoji, most other
scripts) could never reach the handset; it is sent as "?" and counted as what is sent.
"""

import json
import re
import sys
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from notifications.channels import Transport, TransportError
from notifications.models import Notification

SMS_MAX_BYTES = 90
SMS_ENCODING = "cp949"
_SEPARATORS = re.compile(r"[\s\-.()]")
# Korean numbers: domestic 0… (mobile, area or representative), or +82 without the leading 0.
_PHONE = re.compile(r"(?:\+82|0)(\d{7,10})")


def normalise_phone(number: str) -> str:
    """The domestic digits of a Korean phone number ("010-1234-5678" → "01012345678")."""
    match = _PHONE.fullmatch(_SEPARATORS.sub("", number))
    if not match:
        raise TransportError(f"invalid phone number {number!r}", permanent=True)
    return f"0{match.group(1)}"


# Common characters CP949 lacks, and the nearest ones it has (rather than "?").
_CP949_STAND_INS = str.maketrans({"\u2014": "-", "\u2013": "-", "\u20a9": "\uffe6"})


def sendable_text(text: str) -> str:
    """The text as the handset will show it: dashes and the won sign become their CP949
    stand-ins, anything else outside CP949 becomes "?"."""
    text = text.translate(_CP949_STAND_INS)
    return text.encode(SMS_ENCODING, errors="replace").decode(SMS_ENCODING)


def message_type(text: str) -> str:
    """ "SMS" for at most 90 bytes, else "LMS"."""
    size = len(sendable_text(text).encode(SMS_ENCODING))
    return "SMS" if size <= SMS_MAX_BYTES else "LMS"


def outgoing(notification: Notification) -> dict:
    """What every backend sends: a checked number, the sender, the type and the text."""
    text = sendable_text(notification.body)
    kind = message_type(text)
    payload = {"from": settings.SMS_SENDER, "to": normalise_phone(notification.recipient)}
    payload |= {"type": kind, "text": text, "reference": notification.idempotency_key}
    if kind == "LMS" and notification.subject:
        payload["subject"] = sendable_text(notification.subject)[:40]
    return payload


class FileSms(Transport):
    def send(self, notification: Notification) -> str:
        provider_id = f"file-{uuid.uuid4().hex}"
        line = {"id": provider_id, "at": timezone.now().isoformat(), **outgoing(notification)}
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode: concurrent workers never interleave lines.
        with (folder / "sms.jsonl").open("a", encoding="utf-8") as file:
            file.write(json.dumps(line, ensure_ascii=False) + "\n")
        return provider_id


class ConsoleSms(Transport):
    def __init__(self, stream=None) -> None:
        self.stream = stream or sys.stdout

    def send(self, notification: Notification) -> str:
        provider_id = f"console-{uuid.uuid4().hex}"
        payload = outgoing(notification)
        self.stream.write(f"SMS {provider_id} {json.dumps(payload, ensure_ascii=False)}\n")
        self.stream.flush()
        return provider_id


def sms_transport() -> Transport:
    backend = settings.SMS_BACKEND
    if backend == "http":
        from notifications.channels.sms_http import HttpSms

        return HttpSms()
    if backend == "console":
        return ConsoleSms()
    if backend == "file":
        return FileSms()
    raise TransportError(f"unknown SMS_BACKEND {backend!r}", permanent=True)
