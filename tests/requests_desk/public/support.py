"""Helpers the tests of the homepage's public forms and API share."""

import io
import re
import zipfile
from html import unescape

from django.core.cache import cache

COMPLAINT = "/complaint/"
TRACK = "/track/"
COMMEND = "/commend/"
API_COMPLAINTS = "/api/v1/public/complaints/"
API_TRACK = "/api/v1/public/track/"


def complaint_data(**changes) -> dict:
    return {
        "name": "홍길동",
        "organisation": "Example Securities",
        "email": "hong@example.com",
        "phone": "02-1234-5678",
        "category": "complaint",
        "service": "",
        "subject": "시세 수신이 지연됩니다",
        "message": "오늘 오전부터 시세 수신이 10초씩 늦습니다.",
        "occasion": "",
        "employee_name": "",
        "consent": "on",
        **changes,
    }


def api_complaint(**changes) -> dict:
    data = complaint_data(**changes)
    data["consent"] = changes.get("consent", True)
    return data


def text(response) -> str:
    return unescape(response.content.decode())


def without_tokens(response) -> str:
    """The page without its CSRF tokens (masked anew for every answer)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17


def forget_rate_limits() -> None:
    """Drop the rate-limit counters only: the same Redis database holds other things."""
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match="*:abuse:*"):
        client.delete(key)
