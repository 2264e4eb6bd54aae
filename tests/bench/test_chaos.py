"""The chaos run, short: ``bench/chaos.py`` for a few tens of seconds of faults (kill -9 of the
worker, a beat and gunicorn; Redis stopped and flushed; PostgreSQL restarted; SMTP 4xx, 5xx and
slow) against its own PostgreSQL, Redis and SMTP sink, and its invariants: nothing answered 2xx
is lost, every due reminder is recorded once, every message arrives, /healthz goes red during
the Redis outage and green after. The full run's figures are in ``bench/README.md``."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: django_db: the test database is set up, and copied for the run (``bench_template``).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server")
@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")), reason="needs PostgreSQL"
)
def test_a_short_chaos_run_loses_nothing_and_heals(bench_template):
    # Its own cluster starts from a dump of the suite's freshly migrated and seeded database
    # rather than migrating an empty one (its migrate and seed_charter then find nothing to do).
    server = urlsplit(os.environ["DATABASE_URL"])
    copy = ["--copy-of", urlunsplit(server._replace(path=f"/{bench_template}"))]
    done = subprocess.run(
        [
            *(sys.executable, "bench/chaos.py", "--seconds", "25", "--fault-every", "2"),
            *("--redis-outage", "5", "--settle", "60", "--writers", "1"),
            *(copy if bench_template else []),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    report = json.loads(done.stdout[done.stdout.index("{") :])
    assert done.returncode == 0, (report, done.stderr[-3000:])
    assert report["ok"]
    assert report["faults"] >= 10
    assert report["complaints_2xx"] > 0
    assert report["requests_2xx"] > 0
    assert report["complaints_lost"] == report["requests_lost"] == 0
    assert report["reminders_recorded"] == report["reminders_due"] > 0
    assert report["reminders_recorded_twice"] == 0
    assert report["messages"] > 0
    assert report["messages_undelivered"] == 0
    assert report["redis_outages"] == 1
    assert report["healthz_red_during_each_redis_outage"]
    assert report["healthz_final"] == 200
