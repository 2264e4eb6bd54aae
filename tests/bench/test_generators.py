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

pytestmark = pytest.mark.slow


def bench_env(database: str) -> dict[str, str]:
    """The suite's PostgreSQL server and Redis, a database of the benchmark's own."""
    server = urlsplit(os.environ["DATABASE_URL"])
    return {
        **os.environ,
        "CHARTER_ENV": "test",
        "DATABASE_URL": urlunsplit(server._replace(path=f"/{database}")),
        "PYTHONPATH": str(ROOT),
    }


def run(*args: str, database: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=bench_env(database),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout


def test_the_dashboard_generator_fills_every_table_it_measures():
    out = run(
        "bench/dashboard.py",
        "--requests",
        "500",
        "--organisations",
        "20",
        "--contacts",
        "60",
        "--generate-only",
        database="charter_bench_suite_dashboard",
    )

    assert re.search(r"^requests \(500, generate_series\) .* 500 rows$", out, re.M)
    checked = re.search(r"checked against decisions.compute_due: ([\d,]+) of ([\d,]+) equal", out)
    assert checked, out
    assert checked[1] == checked[2]
    assert "database ready in" in out


def test_the_sweep_benchmark_generates_sweeps_and_delivers():
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
        "charter_bench_suite_sweep",
        database="charter",
    )

    assert "sweep with 50 due" in out
    assert "due → SMTP over 5 clocks" in out
