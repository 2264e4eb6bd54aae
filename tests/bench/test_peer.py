"""The side-by-side benchmark against django-helpdesk (``bench/peer.py``): its table and
ratios; and its data generator at a few hundred tickets, in the peer's own venv, which the
script builds from the package index (pinned, about 15 s the first time). They time nothing:
the figures come from full runs (``bench/README.md``)."""

import argparse
import importlib.util
import os
import re
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITE = urlsplit(os.environ["DATABASE_URL"]).path.lstrip("/") + "_bench"


def load_peer():
    spec = importlib.util.spec_from_file_location("bench_peer", ROOT / "bench" / "peer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


peer = load_peer()


def side(server, wall, queries, status=None):
    timed = peer.Side(browser=None, steps=[])
    timed.server, timed.wall, timed.queries, timed.status = server, wall, queries, status
    return timed


def test_the_table_gives_ours_over_the_peers_p95_for_each_pair_and_for_throughput():
    rows = [
        {
            "page": "request / ticket page",
            "ours": (
                "request page",
                side([10.0] * 18 + [20.0] * 2, [12.0] * 18 + [30.0] * 2, [19]),
            ),
            "peer": (
                "ticket page",
                side([40.0] * 18 + [80.0] * 2, [45.0] * 18 + [60.0] * 2, [40, 41]),
            ),
        },
        {
            "page": "manager's dashboard",
            "ours": ("company dashboard", side([], [], [], status=500)),
            "peer": ("staff dashboard", side([100.0], [110.0], [61])),
        },
        {
            "page": "search",
            "ours": ("desk list search", side([5.0] * 5, [6.0] * 5, [10])),
            "peer": ("ticket list search + rows", side([50.0] * 6, [60.0] * 6, [15])),
        },
    ]
    rates = {
        "ours": {
            "per_second": 30.0,
            "refused": 0,
            "status": None,
            "server_cpu": 6.25,
            "database_cpu": 4.0,
        },
        "peer": {
            "per_second": 60.0,
            "refused": 3,
            "status": 403,
            "server_cpu": 9.0,
            "database_cpu": 2.5,
        },
    }
    args = argparse.Namespace(concurrency=4, rounds=2, throughput_seconds=15.0, runs=20)

    text = peer.table(rows, rates, args)

    assert (
        "| request / ticket page | request page | ticket page | 10.0 / 20.0 | 40.0 / 80.0 | "
        "12.0 / 30.0 | 45.0 / 60.0 | 19 / 40–41 | 0.25× | 0.50× |"
    ) in text
    assert (
        "| manager's dashboard | company dashboard | staff dashboard | HTTP 500 | "
        "100.0 / 100.0 | HTTP 500 | 110.0 / 110.0 | — / 61 | — | — |"
    ) in text
    assert "| search (5 timed) | desk list search |" in text
    assert (
        "| 4 client processes, 2 × 15 s each, alternating | 30.0 | 60.0 | 0.50× | 6.2 / 4.0 | "
        "9.0 / 2.5 |"
    ) in text
    assert "peer: 3 refused (HTTP 403)." in text


def test_cpu_is_counted_for_postgresql_and_for_no_server_on_an_unused_port():
    assert sum(peer.cpu_ticks().values()) > 0  # the tests' database server runs here
    assert peer.cpu_ticks(port=1) == {}
    assert peer.cpu_seconds_since({}, port=1) == 0
    assert peer.cpu_seconds_since({}) > 0


def test_a_ratio_needs_both_figures():
    assert peer.ratio(3.0, 2.0) == "1.50×"
    assert peer.ratio(None, 2.0) == "—"
    assert peer.ratio(3.0, 0.0) == "—"


@pytest.mark.slow
def test_the_peer_generator_fills_tickets_follow_ups_and_status_changes_and_is_reused(capfd):
    import psycopg2
    from django.conf import global_settings
    from django.utils.module_loading import import_string

    server = urlsplit(os.environ["DATABASE_URL"])
    url = urlunsplit(server._replace(path=f"/{SUITE}_peer"))
    home = ROOT / "var" / "bench-peer"
    python = peer.build_peer(home)

    admin = psycopg2.connect(urlunsplit(server._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:  # an earlier run's data would be reused
        cursor.execute(f'DROP DATABASE IF EXISTS "{SUITE}_peer" WITH (FORCE)')
    admin.close()
    peer.ensure_peer_data(python, home, url, 400)
    out = capfd.readouterr().out
    assert re.search(r"^tickets \(400, generate_series\) .* 400 rows$", out, re.M), out

    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT count(*), min(status), max(status) FROM helpdesk_ticket")
        tickets, lowest, highest = cursor.fetchone()
        cursor.execute(
            "SELECT count(*) FROM helpdesk_ticket t WHERE NOT EXISTS "
            "(SELECT 1 FROM helpdesk_followup f WHERE f.ticket_id = t.id)"
        )
        without_follow_up = cursor.fetchone()[0]
        cursor.execute(
            "SELECT (SELECT count(*) FROM helpdesk_followup WHERE new_status IS NOT NULL), "
            "(SELECT count(*) FROM helpdesk_ticketchange), "
            "(SELECT count(*) FROM helpdesk_followup)"
        )
        closing, changes, follow_ups = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(s.id) FROM auth_user u "
            "LEFT JOIN helpdesk_usersettings s ON s.user_id = u.id"
        )
        people, with_settings = cursor.fetchone()
        cursor.execute("SELECT password FROM auth_user WHERE username = 'admin'")
        encoded = cursor.fetchone()[0]
    db.close()
    assert tickets == 400
    assert (lowest, highest) == (1, 5)
    assert without_follow_up == 0
    assert 400 < follow_ups <= 1600
    assert 0 < closing == changes
    assert people == with_settings == peer.PEER_STAFF + 1
    assert import_string(global_settings.PASSWORD_HASHERS[0])().verify(peer.PEER_PASSWORD, encoded)

    peer.ensure_peer_data(python, home, url, 400)
    assert "peer: reusing 400 tickets" in capfd.readouterr().out
