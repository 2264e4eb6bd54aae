"""Run the suite as if today were another day: ``CHARTER_TEST_TODAY=2027-03-01``.

The value is a Seoul date, which keeps the current time of day, or a Seoul wall-clock time
(``2027-03-01T00:30``). Time then moves on from there at its normal pace, for every process of
the run:

1. this process (and the live server's threads) travels with time-machine from the start of
   the session, so even module-level "now"s computed while collecting tests see that day;
2. subprocesses (Celery workers and beats, the local-mode server) and Chromium get the same
   offset through libfaketime (Debian's ``faketime`` package), preloaded by the environment
   they inherit; without it they run at the real date, and the report header says so;
3. PostgreSQL, whose clock the sweep and the health check ask for "now", is told the offset
   too: its ``clock_timestamp()`` and ``now()`` are shadowed in the test database by functions
   of the same name in ``public``, which every connection of the run puts ahead of
   ``pg_catalog`` (``PGOPTIONS``). Other databases, and runs without the variable, never see
   them.

Unset (the default), nothing here does anything.
"""

import glob
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine

VARIABLE = "CHARTER_TEST_TODAY"
SEOUL = ZoneInfo("Asia/Seoul")
LIBFAKETIME = "/usr/lib/*/faketime/libfaketimeMT.so.1"
SHADOWED = ("clock_timestamp", "now")


@dataclass
class FakeToday:
    offset: int  # whole seconds ahead of the real clock (negative: behind)
    libfaketime: str | None
    traveller: time_machine.travel

    @property
    def header(self) -> str:
        today = datetime.now(SEOUL)
        children = (
            "libfaketime for subprocesses and Chromium"
            if self.libfaketime
            else "subprocesses and Chromium at the real date (no libfaketime)"
        )
        return (
            f"{VARIABLE}: now is {today:%Y-%m-%d %H:%M %Z} (time-machine in this process, "
            f"{children}, PostgreSQL's clock_timestamp() shifted)"
        )


def destination(value: str, *, real: datetime) -> datetime:
    """The instant ``value`` names: a Seoul date at the current time of day, or a Seoul
    wall-clock time."""
    if "T" not in value and " " not in value:
        day = datetime.fromisoformat(value).date()
        return datetime.combine(day, real.astimezone(SEOUL).timetz())
    instant = datetime.fromisoformat(value)
    return instant if instant.tzinfo else instant.replace(tzinfo=SEOUL)


def start() -> FakeToday | None:
    """Start travelling if the variable is set (from ``pytest_configure``)."""
    value = os.environ.get(VARIABLE)
    if not value:
        return None
    real = datetime.now(SEOUL)
    offset = round((destination(value, real=real) - real).total_seconds())
    traveller = time_machine.travel(real + timedelta(seconds=offset), tick=True)
    traveller.start()
    found = sorted(glob.glob(LIBFAKETIME))
    library = found[0] if found else None
    if library:
        preloaded = os.environ.get("LD_PRELOAD")
        os.environ["LD_PRELOAD"] = f"{preloaded} {library}" if preloaded else library
        # An offset, so every child agrees whenever it starts. It moves the monotonic clock
        # too (without changing its pace): Chromium hangs when that one is left alone.
        os.environ["FAKETIME"] = f"{offset:+d}"
    options = os.environ.get("PGOPTIONS")
    search_path = "-c search_path=public,pg_catalog"
    os.environ["PGOPTIONS"] = f"{options} {search_path}" if options else search_path
    return FakeToday(offset=offset, libfaketime=library, traveller=traveller)


def real_clock_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (the process's, by default) without libfaketime: not preloaded, none of its
    variables. For servers the tests start that need no shifted clock and misbehave on one
    (Dovecot restarted under it stops answering logins)."""
    environ = dict(os.environ if environ is None else environ)
    for name in list(environ):
        if name.startswith(("FAKETIME", "DONT_FAKE_")):
            del environ[name]
    kept = [
        library
        for library in environ.get("LD_PRELOAD", "").replace(":", " ").split()
        if "faketime" not in Path(library).name
    ]
    if kept:
        environ["LD_PRELOAD"] = " ".join(kept)
    else:
        environ.pop("LD_PRELOAD", None)
    return environ


def shift_database_clock(fake: FakeToday, connection) -> None:
    """Shadow PostgreSQL's clock functions in the test database (after it is set up)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in SHADOWED:
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION public.{name}() RETURNS timestamptz"
                f" LANGUAGE sql VOLATILE"
                f" AS $$ SELECT pg_catalog.{name}() + make_interval(secs => {fake.offset}) $$"
            )


def stop(fake: FakeToday | None) -> None:
    if fake is not None:
        fake.traveller.stop()
