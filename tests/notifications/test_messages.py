"""The sweep's renderer writes exactly what the template engine writes, message by message."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from commitments.deadlines import deadline_start
from commitments.models import Deadline
from commitments.subjects import REQUEST_SUBJECT
from notifications import messages
from tests.factories import CommitmentFactory

SEOUL = ZoneInfo("Asia/Seoul")
STARTED = datetime(2026, 10, 13, 11, 0, tzinfo=SEOUL)

pytestmark = pytest.mark.django_db

#: Words a shortcut could get wrong: markup, format codes, braces, the renderer's own markers.
LABELS = [
    "Request 1",
    "",  # falls back to the subject type and id
    "A <b>&amp;</b> \"quoted\" 'label' 100 % {{ x }} {% if %} %(due)s",
    "\ue000due\ue001 \ue000link\ue001 in a label",
    "줄바꿈 없는 한국어 제목 — 끝",
]
#: A subject no page shows (no link), and a request (a link, in the reader's language).
SUBJECT_TYPES = ["test", REQUEST_SUBJECT]


def clocks(commitment) -> list[Deadline]:
    made = []
    pairs = ((label, subject_type) for label in LABELS for subject_type in SUBJECT_TYPES)
    for n, (label, subject_type) in enumerate(pairs):
        made.append(
            deadline_start(
                commitment=commitment,
                subject_type=subject_type,
                subject_id=str(n),
                subject_label=label,
                # Due instants a few seconds to hours apart: some share their minute.
                started_at=STARTED + timedelta(seconds=17 * n * n),
            )
        )
    return made


def full(clock: Deadline, step: str, language: str, percent: int | None) -> messages.Message:
    return messages.step_message(
        deadline=clock, step=step, step_at=clock.due_at, language=language, percent=percent
    )


@override_settings(SITE_URL="https://charter.example.com")
@pytest.mark.parametrize(
    ("step", "percent"),
    [
        ("reminder", 50),
        ("reminder", 80),
        ("breach", None),
        ("escalation-1", None),
        ("escalation-2", None),
    ],
)
def test_every_message_is_the_one_the_template_engine_renders(step, percent):
    commitment = CommitmentFactory(code="test.messages", title_ko="약속 %s {x}", title_en="A & B")
    renderer = messages.StepRenderer()

    for clock in clocks(commitment):
        for language in ("ko", "en"):
            shared = renderer.message(
                deadline=clock, step=step, step_at=clock.due_at, language=language, percent=percent
            )
            assert shared == full(clock, step, language, percent)
    # Each kind (language, link or none) was rendered once in full, then shared.
    assert all(parts is not None for parts in renderer._kinds.values())
    assert len(renderer._kinds) == 4


def test_a_template_that_prints_more_of_the_clock_is_rendered_in_full(monkeypatch, caplog):
    commitment = CommitmentFactory(code="test.messages-2")
    first, second = clocks(commitment)[:2]
    # A template printing the clock's due instant its own way: the shared rendering cannot
    # reproduce it, so every message of that kind goes through the engine.
    monkeypatch.setattr(
        messages, "_context", lambda **kw: {**_context(**kw), "due": kw["deadline"].pk}
    )
    renderer = messages.StepRenderer()

    for clock in (first, second, first):
        assert renderer.message(
            deadline=clock, step="breach", step_at=clock.due_at, language="en"
        ) == full(clock, "breach", "en", None)
    assert set(renderer._kinds.values()) == {None}
    assert "rendered in full for every clock" in caplog.text


_context = messages._context
