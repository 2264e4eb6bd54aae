"""The one source of "now" for the sweep and the health check.

Production asks the database, not Python: every worker then agrees on the time, and a worker
with a skewed system clock changes nothing. ``clock_timestamp()`` rather than ``now()``,
because PostgreSQL's ``now()`` is frozen at the start of the transaction.

Tests pin "now" to a chosen instant by writing it to the file named by the setting or
environment variable ``CHARTER_PINNED_NOW_FILE``. The file is read on every call, so a test
can move time while a worker subprocess runs; freezing Python's time alone would not reach
PostgreSQL or another process. Outside test mode the file is ignored.
"""

import os
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

PINNED_NOW_VARIABLE = "CHARTER_PINNED_NOW_FILE"


def now() -> datetime:
    """The current instant, timezone-aware (UTC from the database)."""
    pinned = pinned_now()
    if pinned is not None:
        return pinned
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT clock_timestamp()")
            return cursor.fetchone()[0]
    # SQLite (local mode) has no server clock worth asking: one machine, one clock.
    return timezone.now()


def pinned_now() -> datetime | None:
    """The instant pinned by a test, or None (always None outside test mode)."""
    if not getattr(settings, "TEST_MODE", False):
        return None
    path = getattr(settings, PINNED_NOW_VARIABLE, None) or os.environ.get(PINNED_NOW_VARIABLE)
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    if not text:
        return None
    # A malformed pin is a mistake in the test; failing loudly beats silently using real time.
    pinned = datetime.fromisoformat(text)
    if pinned.tzinfo is None or pinned.utcoffset() is None:
        raise ValueError(f"{path}: the pinned instant {text!r} needs a time zone offset")
    return pinned


def pin_now(*, path: str | os.PathLike, at: datetime) -> None:
    """Pin "now" for every process reading ``path`` (tests only).

    Written to a temporary file and renamed, so a reader never sees half an instant."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the pinned instant needs a time zone offset")
    target = Path(path)
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    partial.write_text(at.isoformat(), encoding="utf-8")
    partial.replace(target)
