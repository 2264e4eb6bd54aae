"""The words of a clock's step: subject and body in the recipient's language.

Each step has a text template, ``notifications/steps/<step>.txt``, whose first line is the
subject and whose remaining lines are the body. Times are shown in Asia/Seoul whatever the
server's zone; links are absolute when ``SITE_URL`` is set, else the clock's own path.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from commitments.models import Deadline

DISPLAY_TIME_ZONE = ZoneInfo("Asia/Seoul")
STEP_TEMPLATE = "notifications/steps/{step}.txt"


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class RenderError(Exception):
    """A step's message could not be rendered; the reason is the exception's text."""


def step_message(
    *, deadline: Deadline, step: str, step_at: datetime, language: str, percent: int | None = None
) -> Message:
    """Render ``step`` (reminder, breach, escalation-1, escalation-2) of ``deadline``."""
    try:
        with translation.override(language), timezone.override(DISPLAY_TIME_ZONE):
            text = render_to_string(
                STEP_TEMPLATE.format(step=step),
                _context(deadline=deadline, step_at=step_at, percent=percent),
            )
    except Exception as exc:  # any template fault must fail one message, not the sweep
        raise RenderError(f"{exc.__class__.__name__}: {exc}") from exc
    subject, _newline, body = text.strip().partition("\n")
    if not subject.strip() or not body.strip():
        raise RenderError(f"{STEP_TEMPLATE.format(step=step)} rendered no subject or no body")
    return Message(subject=subject.strip(), body=body.strip() + "\n")


def fallback_message(*, deadline: Deadline, step: str) -> Message:
    """Plain words for a message whose template failed, so admins see what it was about."""
    due = deadline.due_at.astimezone(DISPLAY_TIME_ZONE).isoformat()
    label = deadline.subject_label or f"{deadline.subject_type} {deadline.subject_id}"
    return Message(
        subject=f"[{step}] {deadline.commitment_code} {label}",
        body=f"{step}: {deadline.commitment_code} · {label} · due {due}\n",
    )


def absolute_link(path: str) -> str:
    if not path or "://" in path:
        return path
    site = (getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{site}/{path.lstrip('/')}" if site else path


def _context(*, deadline: Deadline, step_at: datetime, percent: int | None) -> dict:
    due_at = timezone.localtime(deadline.due_at, DISPLAY_TIME_ZONE)
    return {
        "deadline": deadline,
        "commitment_code": deadline.commitment_code,
        "commitment_title": deadline.commitment.title,
        "subject_label": deadline.subject_label or f"{deadline.subject_type} {deadline.subject_id}",
        "due_at": due_at,
        "due": formats.date_format(due_at, "Y-m-d (D) H:i T"),
        "step_at": timezone.localtime(step_at, DISPLAY_TIME_ZONE),
        "percent": percent,
        "link": absolute_link(deadline.subject_url),
    }
