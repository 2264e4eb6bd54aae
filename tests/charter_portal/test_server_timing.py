"""The Server-Timing header the benchmarks read from a production-mode server."""

import re
import sys

import pytest

pytestmark = pytest.mark.django_db


def test_server_timing_splits_the_time_into_cpu_waiting_and_queries(client, settings, charter):
    settings.CHARTER_SERVER_TIMING = True

    header = client.get("/")["Server-Timing"]

    fields = dict(re.findall(r'(\w+);(?:dur|desc)="?([0-9.]+)', header))
    assert {"app", "cpu", "db", "queries"} <= set(fields)
    assert float(fields["cpu"]) <= float(fields["app"]) + 1
    if sys.platform == "linux":
        assert 0 <= float(fields["runq"]) <= float(fields["app"]) + 1


def test_no_server_timing_unless_asked(client, charter):
    assert "Server-Timing" not in client.get("/")
