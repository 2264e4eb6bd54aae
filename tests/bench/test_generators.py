"""The benchmarks' data generators run against today's models.

A field added to a model without a default breaks a generator only when somebody next runs it
at full size (a quarter of an hour in); these runs, at a few thousand rows, catch it in the
suite. They time nothing: the figures come from full-size runs (``bench/README.md``)."""

import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: django_db: the test database is set up, and copied for the scripts (``template``).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

#: The benchmarks' databases are dropped and made again: named after the suite's own database,
#: so two suites on one server (two checkouts) never drop each other's.
SUITE = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") + "_bench"


def bench_env(database: str) -> dict[str, str]:
    """The suite's PostgreSQL server and Redis, a database of the benchmark's own."""
    server = urlsplit(os.environ["DATABASE_URL"])
    return {
        **os.environ,
        "CHARTER_ENV": "test",
        "DATABASE_URL": urlunsplit(server._replace(path=f"/{database}")),
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture
def template(bench_template) -> dict[str, str]:
    """The scripts' databases start as copies of the suite's freshly migrated and seeded one
    (their own migrate and ``seed_charter`` then find nothing to do): the generators still run
    against today's migrations, without paying for them once a script."""
    return {"CHARTER_BENCH_TEMPLATE": bench_template} if bench_template else {}


def run(*args: str, database: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**bench_env(database), **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_dashboard_generator_fills_every_table_it_measures(template):
    out = run(
        "bench/dashboard.py",
        "--requests",
        "500",
        "--organisations",
        "20",
        "--contacts",
        "60",
        "--generate-only",
        database=f"{SUITE}_dashboard",
        env=template,
    )

    assert re.search(r"^requests \(500, generate_series\) .* 500 rows$", out, re.M)
    # Every request has its timeline: the "received" line and, handled, what followed it.
    activities = re.search(r"^activities: each request's timeline .* ([\d,]+) rows$", out, re.M)
    assert activities, out
    assert 2 * 500 <= int(activities[1].replace(",", "")) <= 6 * 500
    checked = re.search(r"checked against decisions.compute_due: ([\d,]+) of ([\d,]+) equal", out)
    assert checked, out
    assert checked[1] == checked[2]
    assert "database ready in" in out
    assert_production_passwords(f"{SUITE}_dashboard")
    assert_no_clock_breached_before_due(f"{SUITE}_dashboard")


def assert_no_clock_breached_before_due(database: str) -> None:
    """The sweep never marks a clock breached before its due instant; neither may the data."""
    import psycopg2

    with psycopg2.connect(bench_env(database)["DATABASE_URL"]) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE state = 'breached'), "
            "count(*) FILTER (WHERE state = 'breached' AND due_at > now()) "
            "FROM commitments_deadline"
        )
        breached, early = cursor.fetchone()
    db.close()
    assert breached > 0
    assert early == 0


def database_rows(database: str, table: str) -> int | None:
    """Rows of ``table`` (a table, or a table and its condition) in ``database``; None when
    there is no such database."""
    import psycopg2

    try:
        db = psycopg2.connect(bench_env(database)["DATABASE_URL"])
    except psycopg2.OperationalError:
        return None
    with db, db.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        count = cursor.fetchone()[0]
    db.close()
    return count


def assert_production_passwords(database: str) -> None:
    """The generated people's passwords check under production settings (PBKDF2), not only
    under the test mode's MD5."""
    import psycopg2
    from django.conf import global_settings, settings
    from django.utils.module_loading import import_string

    with psycopg2.connect(bench_env(database)["DATABASE_URL"]) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT username, password FROM auth_user WHERE username IN "
            "('admin', 'manager', 'head.infrastructure')"
        )
        hashes = dict(cursor.fetchall())
    db.close()
    production = import_string(global_settings.PASSWORD_HASHERS[0])()
    assert sorted(hashes) == ["admin", "head.infrastructure", "manager"]
    for encoded in hashes.values():
        assert encoded.startswith(f"{production.algorithm}$")
        assert production.verify(settings.DEMO_PASSWORD, encoded)


def test_the_sweep_benchmark_generates_sweeps_and_delivers(template):
    out = run(
        "bench/sweep.py",
        "--clocks",
        "500",
        "--due",
        "50",
        "--latency-clocks",
        "5",
        "--runs",
        "3",
        "--database",
        f"{SUITE}_sweep",
        database="charter",
        env=template,
    )

    assert "sweep with 50 due" in out
    assert "due → SMTP over 5 clocks" in out


def test_the_sweep_benchmark_sweeps_with_processes_at_once(template):
    out = run(
        "bench/sweep.py",
        "--clocks",
        "200",
        "--due",
        "50",
        "--runs",
        "1",
        "--no-latency",
        "--parallel",
        "2",
        "--database",
        f"{SUITE}_sweep",
        database="charter",
        env=template,
    )

    assert "sweep with 50 due by 2 processes" in out
    assert "steps per process" in out


def test_the_pages_benchmark_serves_every_page_in_production_mode(template):
    # Reused when an earlier run made it (as the benchmark reuses its data sets).
    before = database_rows(f"{SUITE}_pages_300", "requests_desk_request")
    out = run(
        "bench/pages.py",
        "--sizes",
        "300",
        "--runs",
        "2",
        "--warmups",
        "1",
        "--database-prefix",
        f"{SUITE}_pages",
        database="charter",
        env=template,
    )

    assert "production server on 127.0.0.1" in out
    # Queries: one count, or a range ("11–14") where a run long enough for a signed-in session
    # to be saved again (a minute by the wall clock) counts that save in some requests.
    assert re.search(r"^\| admin \| desk list \| [\d.]+ / [\d.]+ \| \d+(–\d+)? \|$", out, re.M), out
    assert re.search(r"^\| public \| complaint POST \(API\) \| [\d.]+ / [\d.]+ \|", out, re.M)
    assert "HTTP 4" not in out
    assert "HTTP 5" not in out
    assert_production_passwords(f"{SUITE}_pages_300")
    # The run served a copy of the data set: the complaints it posted went with the copy.
    assert database_rows(f"{SUITE}_pages_300", "requests_desk_request") == (before or 300)
    assert database_rows("postgres", f"pg_database WHERE datname = '{SUITE}_pages_300_run'") == 0


def test_the_mail_benchmark_turns_a_mailbox_into_cases_with_a_worker(template):
    parsed = urlsplit(os.environ["REDIS_URL"])
    # A Redis database of its own, as the fault tests' workers have: the run flushes it.
    redis_url = urlunsplit(parsed._replace(path=f"/{(int(parsed.path.strip('/') or 0) + 1) % 16}"))
    out = run(
        "bench/mail.py",
        "--messages",
        "40",
        "--interval",
        "1",
        "--report-every",
        "5",
        "--max-seconds",
        "300",
        "--database",
        f"{SUITE}_mail",
        database="charter",
        env={**template, "REDIS_URL": redis_url},
    )

    assert re.search(r"^40 messages → 40 cases in [\d.]+ s: \*\*[\d.]+ messages/s\*\*", out, re.M)
    assert re.search(r"pool processes' resident memory, before / at most: [\d.]+ / [\d.]+ MiB", out)
    assert "every message is marked read on the server" in out
