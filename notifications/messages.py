"""The words of a clock's step: subject and body in the recipient's language.

Each step has a text template, ``notifications/steps/<step>.txt``, whose first line is the
subject and whose remaining lines are the body. Times are shown in Asia/Seoul whatever the
server's zone; the link to the clock's subject is resolved in the recipient's language
(:attr:`Deadline.subject_path`), absolute when ``SITE_URL`` is set.

:func:`step_message` renders one message through the template engine (~0.6 ms). The sweep
writes thousands that differ only in the clock's own words, and uses :class:`StepRenderer`:
it renders each (step, language, percent, commitment, link or none) once with markers in place
of the clock's subject, due instant and link, and fills the markers in for every clock
(the templates print those three verbatim: ``{% autoescape off %}``, no filter). Each kind of
message is checked once against a full rendering; one that differs is always rendered in full.
"""

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation

from commitments.business_time import SEOUL
from commitments.models import Deadline

logger = logging.getLogger(__name__)

STEP_TEMPLATE = "notifications/steps/{step}.txt"
DUE_FORMAT = "Y-m-d (D) H:i T"


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
        with translation.override(language), timezone.override(SEOUL):
            text = render_to_string(
                STEP_TEMPLATE.format(step=step),
                _context(deadline=deadline, step_at=step_at, percent=percent),
            )
    except Exception as exc:  # any template fault must fail one message, not the sweep
        raise RenderError(f"{exc.__class__.__name__}: {exc}") from exc
    return _message(text, step=step)


def _message(text: str, *, step: str) -> Message:
    subject, _newline, body = text.strip().partition("\n")
    if not subject.strip() or not body.strip():
        raise RenderError(f"{STEP_TEMPLATE.format(step=step)} rendered no subject or no body")
    return Message(subject=subject.strip(), body=body.strip() + "\n")


#: The clock's own words, replaced by markers (private-use characters) in a shared rendering.
_OWN_FIELDS = ("subject_label", "due", "link")
_MARKERS = re.compile("\ue000(" + "|".join(_OWN_FIELDS) + ")\ue001")
_UNCHECKED = object()


class StepRenderer:
    """:func:`step_message` for many clocks: the same text, each kind rendered once.

    A kind is (step, language, percent, commitment code and title, whether there is a link):
    everything the templates print except the clock's subject, due instant and link, which
    are filled in. The first message of each kind is rendered in full as well and compared;
    a kind whose shared rendering fails or differs (a template printing something else of the
    clock) is rendered in full from then on. One renderer serves one batch of clocks loaded
    together: it keeps each commitment's title in each language as read in that load."""

    def __init__(self) -> None:
        # kind -> the shared rendering as a str.format template, or None: render in full
        self._kinds: dict[tuple, str | None] = {}
        self._dues: dict[tuple, str] = {}
        self._titles: dict[tuple, str] = {}
        # The language active when the first link was resolved: asking again for every clock
        # cost a tenth of planning a batch (a context-local look-up each time).
        self._active_language: str | None = None

    def message(
        self,
        *,
        deadline: Deadline,
        step: str,
        step_at: datetime,
        language: str,
        percent: int | None = None,
    ) -> Message:
        try:
            title = self._title(deadline, language)
            link = self._link(deadline, language)
            own = {
                "subject_label": _subject_label(deadline),
                "due": self._due(deadline.due_at, language),
                "link": link,
            }
        except Exception as exc:  # as step_message: a fault fails one message, not the sweep
            raise RenderError(f"{exc.__class__.__name__}: {exc}") from exc
        kind = (step, language, percent, deadline.commitment_code, title, bool(own["link"]))
        shared = self._kinds.get(kind, _UNCHECKED)
        if shared is None:
            return step_message(
                deadline=deadline, step=step, step_at=step_at, language=language, percent=percent
            )
        if shared is _UNCHECKED:
            message = step_message(
                deadline=deadline, step=step, step_at=step_at, language=language, percent=percent
            )
            self._kinds[kind] = self._shared(kind, own=own, expected=message)
            return message
        return _message(shared.format_map(own), step=step)

    def _shared(self, kind: tuple, *, own: dict, expected: Message) -> str | None:
        """The kind's rendering with its markers made ``str.format`` fields (and its own
        braces doubled); None if it does not reproduce ``expected`` (the full rendering of the
        clock whose words are ``own``)."""
        step, language, percent, code, title, has_link = kind
        context = {
            "commitment_code": code,
            "commitment_title": title,
            "percent": percent,
            **{name: f"\ue000{name}\ue001" for name in _OWN_FIELDS},
        }
        if not has_link:
            context["link"] = ""
        try:
            with translation.override(language), timezone.override(SEOUL):
                text = render_to_string(STEP_TEMPLATE.format(step=step), context)
            # re.split with a group: literal text at even places, a field's name at odd ones.
            shared = "".join(
                "{" + part + "}" if index % 2 else part.replace("{", "{{").replace("}", "}}")
                for index, part in enumerate(_MARKERS.split(text))
            )
            if _message(shared.format_map(own), step=step) == expected:
                return shared
        except Exception:  # the full rendering stands (logged below)
            pass
        logger.warning("step message %s (%s) is rendered in full for every clock", step, language)
        return None

    def _due(self, due_at: datetime, language: str) -> str:
        """The due instant as the templates show it, formatted once per minute and language
        (the format shows nothing finer than the minute and the zone's abbreviation)."""
        local = timezone.localtime(due_at, SEOUL)
        key = (language, local.replace(second=0, microsecond=0), local.tzname())
        due = self._dues.get(key)
        if due is None:
            with translation.override(language), timezone.override(SEOUL):
                due = self._dues[key] = formats.date_format(local, DUE_FORMAT)
        return due

    def _link(self, deadline: Deadline, language: str) -> str:
        if self._active_language is None:
            self._active_language = translation.get_language()
        return _subject_link(deadline, language, active=self._active_language)

    def _title(self, deadline: Deadline, language: str) -> str:
        key = (deadline.commitment_id, language)
        title = self._titles.get(key)
        if title is None:
            with translation.override(language):
                title = self._titles[key] = deadline.commitment.title
        return title


def _subject_link(deadline: Deadline, language: str, *, active: str) -> str:
    """The subject's absolute link in ``language``; the language is switched only when it is
    not ``active``, the one active already (switching costs more than resolving a link)."""
    if active == language:
        return absolute_link(deadline.subject_path)
    with translation.override(language):
        return absolute_link(deadline.subject_path)


def _subject_label(deadline: Deadline) -> str:
    return deadline.subject_label or f"{deadline.subject_type} {deadline.subject_id}"


def fallback_message(*, deadline: Deadline, step: str) -> Message:
    """Plain words for a message whose template failed, so admins see what it was about."""
    due = deadline.due_at.astimezone(SEOUL).isoformat()
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
    due_at = timezone.localtime(deadline.due_at, SEOUL)
    return {
        "deadline": deadline,
        "commitment_code": deadline.commitment_code,
        "commitment_title": deadline.commitment.title,
        "subject_label": _subject_label(deadline),
        "due_at": due_at,
        "due": formats.date_format(due_at, DUE_FORMAT),
        "step_at": timezone.localtime(step_at, SEOUL),
        "percent": percent,
        "link": absolute_link(deadline.subject_path),  # the caller set the language
    }
