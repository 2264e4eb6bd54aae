"""How fast are the SLA dashboards and their drill-downs over a million requests?

Builds its own data with set-based SQL (``INSERT … SELECT … FROM generate_series``, no row
written from a Python loop), then starts the portal as a separate server process on
127.0.0.1 and times its pages as an admin (company), a division head (division) and a team
manager (team), for a month, a quarter and a year — the last full ones and the ones under way.

Generation (each step timed):

1. migrate, ``seed_charter`` (with the clock rules), the demo users (``admin``, ``manager`` —
   the team manager of ``net-support`` — and ``staff``), and the seeded head of the
   Infrastructure division given the demo password;
2. one clock per commitment × calendar started through ``deadline_start`` on a throwaway
   subject: the ``ClockTerms`` every generated clock points at (then the throwaway clocks go);
3. organisations and customer contacts;
4. requests over the last three years across every division, team, service, kind and channel,
   in the proportions of :data:`KIND_MIX`; each gets the clocks the real clock rules give its
   (kind, channel, division, service), the 15-day progress clocks of long requests (one per
   cycle), the delay notice (Market) and the institutional-change clock of requests with
   dates, and the absent-person call-back clock of its phone call;
5. due instants computed in SQL as the engine computes them (business days from the frozen
   calendars: working hours 09:00–18:00, holidays of KR / XKRX), checked against
   ``decisions.compute_due`` on a sample; outcomes drawn per clock (met, breached — a few still
   owing —, cancelled; the recent ones running or paused), breach events for breached clocks;
6. each request's timeline (its "received" line, what the customer was told, hand-offs, its
   status moves: two to six lines), phone calls (one per request received by phone),
   unkind-service reports and their coupons,
   satisfaction scores, commendations, homepage submissions;
7. ``VACUUM ANALYZE``, ``rebuild_report_summaries`` and ``rebuild_call_summaries``.

Timing: ``gunicorn`` on 127.0.0.1 with two workers; each (scope, period, page) is requested
``--warmups`` times untimed and ``--runs`` times timed, one request at a time; the client's
wall time and the server's ``Server-Timing: app;dur=`` are reported as median and p95.

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench_dash \\
    REDIS_URL=redis://127.0.0.1:6379/11 .venv/bin/python bench/dashboard.py --requests 1000000

``--requests 20000`` for a quick check; ``--reuse`` keeps the data of an earlier run (the
database is otherwise dropped and made again, so its name must contain "bench"); ``--check``
exits non-zero when a p95 of the server time is over ``--target-ms``.
"""

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEOUL = "Asia/Seoul"
TRACKING_PREFIX = "BN-"
YEARS = 3
# Request kinds, their share (percent) and where they arise: "any" (every team, with or
# without one of its services), a division code, or "service:<code>" (that service's team).
KIND_MIX = (
    ("modification", 14, "any"),
    ("new_development", 5, "any"),
    ("screen_change", 6, "any"),
    ("access_rights", 8, "any"),
    ("institutional_change", 2, "any"),
    ("support_inquiry", 24, "any"),
    ("training", 2, "any"),
    ("business_review", 3, "market"),
    ("materials_request", 2, "any"),
    ("materials_request", 1, "service:bcp"),
    ("data_problem", 6, "information"),
    ("network_trouble", 5, "service:network"),
    ("bcp_trouble", 1.5, "service:bcp"),
    ("powerbase_test", 3, "service:powerbase"),
    ("pension_request", 4, "service:retirement-pension"),
    ("bizdev_consultation", 3, "bizdev"),
    ("complaint", 3, "any"),
    ("homepage_input", 4.5, "any"),
)
CHANNEL_MIX = {
    "support_inquiry": {"phone": 50, "support_center": 30, "email": 20},
    "network_trouble": {"phone": 60, "email": 40},
    "bcp_trouble": {"phone": 70, "sms": 30},
    "complaint": {"homepage": 40, "phone": 30, "email": 30},
    "homepage_input": {"homepage": 100},
    "": {"email": 50, "phone": 25, "homepage": 10, "document": 10, "visit": 5},
}
LONG_KINDS = ("modification", "new_development", "screen_change")
LONG_SHARE = 0.7  # of LONG_KINDS requests: an expected completion 35–250 days out
BUCKETS = 100_000  # resolution of the weighted choice of a request's profile
PROGRESS, DELAY_NOTICE, INSTITUTIONAL = (
    "common.progress-15d",
    "market.delay-notice",
    "common.institutional-change",
)
ABSENT_CALLBACK = "phone.absent-callback"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=1_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--reuse", action="store_true", help="keep the data already there")
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: rebuild the report summaries"
    )
    parser.add_argument("--generate-only", action="store_true", help="no timing")
    parser.add_argument("--seed", type=float, default=0.42, help="PostgreSQL setseed()")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page")
    parser.add_argument("--warmups", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--target-ms", type=float, default=300)
    parser.add_argument("--check", action="store_true", help="exit 1 when a p95 is over target")
    parser.add_argument("--max-seconds", type=float, default=900, help="cap on the timing phase")
    parser.add_argument(
        "--explain",
        type=float,
        metavar="MS",
        help="afterwards, in this process: the queries of each page over the target, and "
        "EXPLAIN ANALYZE of those slower than MS",
    )
    parser.add_argument(
        "--periods",
        choices=("last", "current", "both"),
        default="both",
        help="the last full month and quarter and last year, the ones under way, or both",
    )
    parser.add_argument(
        "--sample", type=int, default=2_000, help="clocks checked against the engine"
    )
    return parser.parse_args()


def recreate_database(url: str, template: str | None = None) -> None:
    """Drop and create the database of ``url``, a copy of ``template`` if given (see
    ``bench.sweep.create_database``)."""
    from bench.sweep import create_database

    name = urllib.parse.urlsplit(url).path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(
            f"this drops and creates the database {name!r}: give one whose name says 'bench' "
            "(or --reuse to keep the data)"
        )
    create_database(url, name, template)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


class Steps:
    """Runs and times the generation steps; remembers each for the summary."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float, str]] = []

    def __call__(self, what: str, action):
        began = time.perf_counter()
        result = action()
        elapsed = time.perf_counter() - began
        rows = f"{result:,} rows" if isinstance(result, int) else ""
        print(f"{what:<58} {elapsed:9.1f} s  {rows}", flush=True)
        self.times.append((what, elapsed, rows))
        return result


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


def insert_select(model, exprs: dict[str, str], source: str, params=None) -> int:
    """``INSERT INTO <model> (…) SELECT <exprs> <source>``: every column but the key needs an
    expression, unless the field has a constant default or is nullable (a column added to the
    model later does not break the bench quietly)."""
    from django.db import connection

    columns, select, params = [], [], dict(params or {})
    for field in model._meta.concrete_fields:
        if field.primary_key:
            continue
        column = field.column
        if column in exprs:
            select.append(exprs[column])
        elif field.has_default() and not callable(field.default):
            params[f"default_{column}"] = field.get_db_prep_save(field.default, connection)
            select.append(f"%(default_{column})s")
        elif field.null:
            select.append("NULL")
        else:
            raise KeyError(f"{model.__name__}.{column}: no expression and no constant default")
        columns.append(column)
    unknown = set(exprs) - set(columns)
    if unknown:
        raise KeyError(f"{model.__name__}: no column {sorted(unknown)}")
    sql = (
        f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {', '.join(select)} {source}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def production_passwords(users, password: str) -> None:
    """Give ``users`` ``password`` hashed as production settings hash it (Django's default
    hasher, PBKDF2), whatever mode this runs in: test mode's MD5 hashes do not check under
    production settings, so generated users could not sign in to a production-mode server."""
    from django.conf import global_settings
    from django.contrib.auth import get_user_model
    from django.utils.module_loading import import_string

    hasher = import_string(global_settings.PASSWORD_HASHERS[0])()
    changed = []
    for user in users:
        # A hash that already checks is kept: a new salt would sign out every open session of
        # the person (another benchmark's, timing the same data set).
        if user.password.startswith(f"{hasher.algorithm}$") and hasher.verify(
            password, user.password
        ):
            continue
        user.password = hasher.encode(password, hasher.salt())
        changed.append(user)
    get_user_model().objects.bulk_update(changed, ["password"])


def execute(sql: str, params=None) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_rows(table: str, types: tuple[str, ...], rows: list) -> int:
    """``rows`` into ``table`` in one statement, a PostgreSQL array per column: one round trip
    (and one commit) rather than one ``INSERT`` each, as ``executemany`` sends."""
    columns = [list(column) for column in zip(*rows, strict=True)] or [[] for _ in types]
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    return execute(f"INSERT INTO {table} SELECT * FROM unnest({arrays})", columns)


def scalar(sql: str, params=None):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


class Generator:
    def __init__(self, args: argparse.Namespace, steps: Steps) -> None:
        self.args, self.steps = args, steps
        self.now = datetime.now(UTC).replace(second=0, microsecond=0)
        self.start = self.now - timedelta(days=365 * YEARS + 1)

    # -- the charter, people, terms -------------------------------------------------------

    def users(self) -> int:
        from django.conf import settings
        from django.contrib.auth import get_user_model

        from commitments.models import Division
        from requests_desk.demo import demo_users

        users = demo_users()
        head = Division.objects.get(code="infrastructure").head
        production_passwords([*users.values(), head], settings.DEMO_PASSWORD)
        self.admin = users["admin"]
        return get_user_model().objects.count()

    def terms(self) -> int:
        """One clock per commitment × calendar through the engine; their terms stay, the
        throwaway clocks go. Started at the start of the range, target now + 30 days: the
        frozen holidays cover every year the generated clocks touch."""
        from commitments.deadlines import deadline_start
        from commitments.models import ClockTerms, Commitment, Deadline, Division

        by_calendar = {}
        for division in Division.objects.order_by("code"):
            by_calendar.setdefault(division.calendar_id, division)
        started = self.start.astimezone(_seoul()).replace(hour=10, minute=0)
        while started.weekday() >= 5:
            started += timedelta(days=1)
        self.terms_of: dict[tuple[str, int], ClockTerms] = {}
        for commitment in Commitment.objects.filter(active=True).order_by("code"):
            if not commitment.starts_clock:
                continue
            for calendar_id, division in by_calendar.items():
                clock = deadline_start(
                    commitment=commitment,
                    subject_type="bench-terms",
                    subject_id=f"{commitment.code}@{calendar_id}",
                    started_at=started,
                    target_at=self.now + timedelta(days=30),
                    division=division,
                    now=started,
                )
                self.terms_of[(commitment.code, calendar_id)] = clock.terms
        Deadline.objects.filter(subject_type="bench-terms").delete()
        self.terms_rows()
        return ClockTerms.objects.count()

    def terms_rows(self) -> None:
        """``bench_terms``: per commitment and calendar, the terms id and frozen parameters."""
        execute(
            "CREATE UNLOGGED TABLE bench_terms (commitment_id bigint, code text, "
            "calendar_id bigint, terms_id bigint, tkind text, minutes int, days int, "
            "months int, pause_ok boolean, PRIMARY KEY (code, calendar_id))"
        )
        from commitments.models import Commitment

        commitments = Commitment.objects.in_bulk(field_name="code")
        rows = []
        for (code, calendar_id), terms in self.terms_of.items():
            params = terms.params
            if params["kind"] == "business_hours":
                assert params["minutes"] % 540 == 0, code  # whole business days only
                assert params["minutes"] <= 3 * 540, code
            rows.append(
                (
                    commitments[code].pk,
                    code,
                    calendar_id,
                    terms.pk,
                    params["kind"],
                    params.get("minutes"),
                    params.get("days"),
                    params.get("months"),
                    bool(params.get("pause_on_waiting")),
                )
            )
        insert_rows(
            "bench_terms",
            ("bigint", "text", "bigint", "bigint", "text", "int", "int", "int", "boolean"),
            rows,
        )

    def business_days(self) -> int:
        """``bench_day``: per calendar and local date, whether it is a business day, the 1st to
        3rd business day after it and the last business day on or before it — from the terms'
        frozen calendars. One row per day (~1,500 per calendar), not per clock."""
        execute(
            "CREATE UNLOGGED TABLE bench_day (calendar_id bigint, d date, is_bday boolean, "
            "after1 date, after2 date, after3 date, on_or_before date, "
            "PRIMARY KEY (calendar_id, d))"
        )
        first = self.start.date() - timedelta(days=40)
        last = self.now.date() + timedelta(days=400)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        rows = []
        calendars = {calendar_id: terms for (_code, calendar_id), terms in self.terms_of.items()}
        for calendar_id, terms in calendars.items():
            calendar = terms.work_calendar
            flags = [calendar.is_business_day(day) for day in days]
            business = [day for day, flag in zip(days, flags, strict=True) if flag]
            after: list[list] = []
            index, previous = 0, None
            for day, flag in zip(days, flags, strict=True):
                while index < len(business) and business[index] <= day:
                    index += 1
                nexts = business[index : index + 3]
                if flag:
                    previous = day
                if len(nexts) < 3:
                    break
                after.append([calendar_id, day, flag, *nexts, previous])
            rows.extend(after)
        insert_rows("bench_day", ("bigint", "date", "boolean", *["date"] * 4), rows)
        return len(rows)

    # -- customers, requests -----------------------------------------------------------------

    def customers(self) -> int:
        from requests_desk.models import CustomerContact, Organisation

        orgs = insert_select(
            Organisation,
            {
                "name": "'가상기관 ' || lpad(g::text, 5, '0') || ' (Bench Organisation ' "
                "|| g || ')'",
                "created_at": "%(start)s",
            },
            "FROM generate_series(1, %(n)s) g",
            {"n": self.args.organisations, "start": self.start},
        )
        first = scalar(f"SELECT min(id) FROM {Organisation._meta.db_table}")
        contacts = insert_select(
            CustomerContact,
            {
                "organisation_id": "%(first)s + (g - 1) %% %(orgs)s",
                "name": "'가상고객 ' || g",
                "email": "'contact' || g || '@bench.example.com'",
                "phone": "'02-0000-' || lpad((g %% 10000)::text, 4, '0')",
                "position": "''",
                "created_at": "%(start)s",
            },
            "FROM generate_series(1, %(n)s) g",
            {"n": self.args.contacts, "orgs": orgs, "first": first, "start": self.start},
        )
        return orgs + contacts

    def profiles(self) -> int:
        """``bench_profile``: every (kind, channel, division, team, service) the requests are
        drawn from, with its weight; ``bench_bucket`` maps 100,000 buckets onto them by weight;
        ``bench_profile_clock``: the clocks the real clock rules give each profile."""
        from commitments.models import Commitment, Division, Service, Team
        from requests_desk.models import ClockRule

        teams = list(Team.objects.select_related("division").order_by("code"))
        services = list(Service.objects.select_related("division", "team").order_by("code"))
        places: dict[str, list[tuple]] = {"any": []}
        for team in teams:
            mine = [s for s in services if s.team_id == team.pk]
            for service in [None, *mine]:
                share = 0.5 if service is None else 0.5 / len(mine)
                if not mine:
                    share = 1.0
                places["any"].append((team.division, team, service, share / len(teams)))
        for division in Division.objects.all():
            mine = [t for t in teams if t.division_id == division.pk]
            places[division.code] = [(division, t, None, 1 / len(mine)) for t in mine]
        for service in services:
            team = service.team or next(t for t in teams if t.division_id == service.division_id)
            places[f"service:{service.code}"] = [(service.division, team, service, 1.0)]
        network = [s for s in services if s.code.startswith("net-") or s.code == "network"]
        places["service:network"] = [
            (s.division, s.team, s, 1 / len(network)) for s in network if s.team
        ]
        profiles = []
        for kind, weight, where in KIND_MIX:
            channels = CHANNEL_MIX.get(kind, CHANNEL_MIX[""])
            total = sum(channels.values())
            for division, team, service, share in places[where]:
                for channel, channel_weight in channels.items():
                    profiles.append(
                        (
                            kind,
                            channel,
                            division,
                            team,
                            service,
                            weight * share * channel_weight / total,
                        )
                    )
        execute(
            "CREATE UNLOGGED TABLE bench_profile (idx int PRIMARY KEY, kind text, channel text, "
            "division_id bigint, team_id bigint, service_id bigint, calendar_id bigint, "
            "manager_id int, weight float)"
        )
        execute("CREATE UNLOGGED TABLE bench_bucket (b int PRIMARY KEY, profile int)")
        execute(
            "CREATE UNLOGGED TABLE bench_profile_clock (profile int, commitment_id bigint, "
            "code text, terms_id bigint)"
        )
        total = sum(p[-1] for p in profiles)
        terms_commitment = dict(
            Commitment.objects.filter(code__in={c for c, _k in self.terms_of}).values_list(
                "code", "pk"
            )
        )
        profile_rows, bucket_rows, clock_rows = [], [], []
        cumulative, bucket = 0.0, 0
        for idx, (kind, channel, division, team, service, weight) in enumerate(profiles):
            profile_rows.append(
                (
                    idx,
                    kind,
                    channel,
                    division.pk,
                    team.pk,
                    service.pk if service else None,
                    division.calendar_id,
                    team.manager_id,
                    weight,
                )
            )
            cumulative += weight / total
            while bucket < round(cumulative * BUCKETS):
                bucket_rows.append((bucket, idx))
                bucket += 1
            rules = ClockRule.objects.matching(
                kind=kind,
                division_id=division.pk,
                service_id=service.pk if service else None,
                channel=channel,
            ).select_related("commitment")
            codes = sorted(
                {
                    r.commitment.code
                    for r in rules
                    if r.commitment.starts_clock and not r.commitment.needs_target
                }
            )
            for code in codes:
                terms = self.terms_of[(code, division.calendar_id)]
                clock_rows.append((idx, terms_commitment[code], code, terms.pk))
        while bucket < BUCKETS:  # rounding: the last profile takes what is left
            bucket_rows.append((bucket, len(profiles) - 1))
            bucket += 1
        profile_types = ("int", "text", "text", *["bigint"] * 4, "int", "float")
        insert_rows("bench_profile", profile_types, profile_rows)
        insert_rows("bench_bucket", ("int", "int"), bucket_rows)
        insert_rows("bench_profile_clock", ("int", "bigint", "text", "bigint"), clock_rows)
        return len(profile_rows)

    def requests(self) -> int:
        """The requests: received on business days in working hours mostly (some at night or
        at the weekend); long ones with an expected completion; resolved and closed unless
        recent; assigned to the team's manager; each from one of the contacts."""
        from requests_desk.models import CustomerContact, Request

        execute("SELECT setseed(%s)", [self.args.seed])
        first_contact = scalar(f"SELECT min(id) FROM {CustomerContact._meta.db_table}")
        kr = self._calendar_id("kr-public")
        received = (
            "least(%(now)s - interval '1 minute' * (1 + s.u_time * 30), "
            "((CASE WHEN bd.is_bday OR s.u_night < 0.1 THEN bd.d ELSE bd.after1 END) "
            "+ CASE WHEN s.u_night < 0.12 THEN interval '24 hours' * s.u_time "
            "ELSE interval '9 hours' + interval '9 hours' * s.u_time END) "
            "AT TIME ZONE 'Asia/Seoul')"
        )
        handled = (
            "CASE WHEN x.completion IS NOT NULL "
            "THEN x.received_at + (x.completion - x.received_at::date) * interval '1 day' "
            "* (0.8 + 0.4 * x.u_jitter) "
            "ELSE x.received_at + interval '1 hour' * (0.5 + 240 * x.u_dur * x.u_dur) END"
        )
        source = f"""
            FROM (
                SELECT x.*, {handled} AS handled_at
                FROM (
                    SELECT s.*, p.*, {received} AS received_at,
                           CASE WHEN p.kind IN %(long)s AND s.u_long < %(long_share)s
                                THEN ({received})::date + (35 + 215 * s.u_dur)::int END
                                AS completion
                    FROM (
                        SELECT g, random() AS u_profile, random() AS u_day, random() AS u_time,
                               random() AS u_night, random() AS u_long, random() AS u_dur,
                               random() AS u_jitter, random() AS u_status, random() AS u_cust,
                               random() AS u_prio
                        FROM generate_series(1, %(n)s) g OFFSET 0
                    ) s
                    JOIN bench_bucket b ON b.b = floor(s.u_profile * {BUCKETS})::int
                    JOIN bench_profile p ON p.idx = b.profile
                    JOIN bench_day bd ON bd.calendar_id = %(kr)s
                     AND bd.d = %(first_day)s + floor(s.u_day * %(days)s)::int
                ) x
            ) r
        """
        status = (
            "CASE WHEN r.handled_at > %(now)s THEN (CASE WHEN r.u_status < 0.1 THEN 'new' "
            "WHEN r.u_status < 0.3 THEN 'in_review' WHEN r.u_status < 0.4 THEN 'waiting' "
            "ELSE 'in_progress' END) WHEN r.handled_at > %(now)s - interval '7 days' "
            "THEN 'resolved' ELSE 'closed' END"
        )
        resolved = "CASE WHEN r.handled_at <= %(now)s THEN r.handled_at END"
        closed = (
            "CASE WHEN r.handled_at <= %(now)s - interval '7 days' "
            "THEN r.handled_at + interval '2 days' END"
        )
        return insert_select(
            Request,
            {
                "tracking_code": f"'{TRACKING_PREFIX}' || lpad(r.g::text, 9, '0')",
                "kind": "r.kind",
                "channel": "r.channel",
                "division_id": "r.division_id",
                "team_id": "r.team_id",
                "service_id": "r.service_id",
                "priority": "CASE WHEN r.u_prio < 0.05 THEN 'low' WHEN r.u_prio < 0.85 "
                "THEN 'normal' WHEN r.u_prio < 0.97 THEN 'high' ELSE 'urgent' END",
                "status": status,
                "assignee_id": "r.manager_id",
                "customer_id": f"{first_contact} + floor(r.u_cust * %(contacts)s)::int",
                "subject": "'[bench] ' || r.kind || ' #' || r.g",
                "body": "''",
                "received_at": "r.received_at",
                "expected_completion": "r.completion",
                "requested_due": "CASE WHEN r.kind = 'institutional_change' "
                "THEN r.received_at::date + (10 + 50 * r.u_dur)::int END",
                "resolved_at": resolved,
                "closed_at": closed,
                "created_by_id": str(self.admin.pk),
                "created_at": "r.received_at",
                "updated_at": f"coalesce({closed}, {resolved}, r.received_at)",
                "next_due_at": "NULL",
                "version": "1",
            },
            source,
            {
                "n": self.args.requests,
                "now": self.now,
                "kr": kr,
                "first_day": self.start.date(),
                "days": (self.now.date() - self.start.date()).days + 1,
                "long": LONG_KINDS,
                "long_share": LONG_SHARE,
                "contacts": self.args.contacts,
            },
        )

    def calls(self) -> int:
        """One call per request received by phone: rings mostly 1–3, some 4, a few more (an
        apology given most of the time); the person in charge absent now and then, called back
        within five minutes most of the time."""
        from requests_desk.models import CustomerContact, PhoneCall, Request

        return insert_select(
            PhoneCall,
            {
                "received_at": "r.received_at",
                "caller_name": "c.name",
                "caller_phone": "c.phone",
                "organisation_id": "c.organisation_id",
                "customer_id": "c.id",
                "division_id": "r.division_id",
                "service_id": "r.service_id",
                "rings": "CASE WHEN r.u1 < 0.55 THEN 1 WHEN r.u1 < 0.78 THEN 2 "
                "WHEN r.u1 < 0.88 THEN 3 WHEN r.u1 < 0.93 THEN 4 ELSE 5 + floor(r.u2 * 4)::int END",
                "answered_by_id": f"coalesce(r.assignee_id, {self.admin.pk})",
                "greeting_given": "r.u3 < 0.97",
                "apology_given": "r.u1 >= 0.93 AND r.u3 < 0.8",
                "person_absent": "r.u4 < 0.08",
                "person_in_charge_id": "r.assignee_id",
                "callback_at": "CASE WHEN r.u4 < 0.08 AND r.received_at + r.wait <= %(now)s "
                "THEN r.received_at + r.wait END",
                "summary": "''",
                "request_id": "r.id",
                "team_id": "r.team_id",
                "created_at": "r.received_at",
            },
            f"""FROM (
                SELECT q.*, random() AS u1, random() AS u2, random() AS u3, random() AS u4,
                       interval '1 minute' * CASE WHEN random() < 0.85 THEN 0.5 + 4.4 * random()
                                                  ELSE 5 + 55 * random() END AS wait
                FROM {Request._meta.db_table} q
                WHERE q.channel = 'phone' AND q.tracking_code LIKE %(prefix)s OFFSET 0
            ) r JOIN {CustomerContact._meta.db_table} c ON c.id = r.customer_id""",
            {"now": self.now, "prefix": f"{TRACKING_PREFIX}%"},
        )

    def activities(self) -> int:
        """Each request's timeline as the desk writes it: the "received" line; for one handled
        past "new", what the customer was told (feasibility, by phone or e-mail) and, now and
        then, a hand-off to its team with a note; the progress told on a long one; its status
        moves to resolved and to closed at their instants. Two to six lines a request."""
        from requests_desk.models import Activity, Request

        line = {
            "request_id": "r.id",
            "actor_id": "r.assignee_id",
            "event": "''",
            "text": "''",
            "purpose": "''",
            "channel": "''",
            "told_person": "''",
            "from_status": "''",
            "to_status": "''",
            "data": "'{}'::jsonb",
        }
        soon = "least(%(now)s, r.received_at + interval '1 minute' * (5 + 115 * r.u))"
        lines = {
            "received": (
                "TRUE",
                {
                    "kind": "'note'",
                    "event": "'received'",
                    "at": "r.received_at",
                    "actor_id": "r.created_by_id",
                    "data": "jsonb_build_object('created', true, 'channel', r.channel)",
                },
            ),
            "told": (
                "r.status <> 'new'",
                {
                    "kind": "'communication'",
                    "at": soon,
                    "purpose": "'feasibility'",
                    "channel": "CASE WHEN r.u < 0.6 THEN 'phone' ELSE 'email' END",
                    "told_person": "'[bench] 고객 담당자'",
                    "text": "'[bench] 처리 가능 여부와 일정을 안내했습니다.'",
                    "public": "true",
                },
            ),
            "handed off": (
                "r.u < 0.12",
                {
                    "kind": "'transfer'",
                    "at": soon,
                    "actor_id": "r.created_by_id",
                    "text": "'[bench] 고객이 설명한 내용을 담당 팀에 넘깁니다.'",
                    "to_user_id": "r.assignee_id",
                    "to_team_id": "r.team_id",
                    "data": "jsonb_build_object('from_user', r.created_by_id, 'from_team', NULL)",
                },
            ),
            "progress told": (
                "r.expected_completion IS NOT NULL "
                "AND r.received_at < %(now)s - interval '15 days'",
                {
                    "kind": "'communication'",
                    "at": "r.received_at + interval '15 days'",
                    "purpose": "'progress'",
                    "channel": "'email'",
                    "told_person": "'[bench] 고객 담당자'",
                    "text": "'[bench] 진행 상황을 안내했습니다.'",
                    "public": "true",
                },
            ),
            "resolved": (
                "r.resolved_at IS NOT NULL",
                {
                    "kind": "'status'",
                    "at": "r.resolved_at",
                    "from_status": "'in_progress'",
                    "to_status": "'resolved'",
                    "public": "true",
                },
            ),
            "closed": (
                "r.closed_at IS NOT NULL",
                {
                    "kind": "'status'",
                    "at": "r.closed_at",
                    "from_status": "'resolved'",
                    "to_status": "'closed'",
                    "public": "true",
                },
            ),
        }
        total = 0
        for what, (condition, exprs) in lines.items():
            total += self.steps(
                f"  activities: {what}",
                lambda condition=condition, exprs=exprs: insert_select(
                    Activity,
                    {**line, "recorded_at": exprs["at"], **exprs},
                    f"""FROM (SELECT q.*, random() AS u FROM {Request._meta.db_table} q
                        WHERE q.tracking_code LIKE %(prefix)s OFFSET 0) r
                        WHERE {condition}""",
                    {"now": self.now, "prefix": f"{TRACKING_PREFIX}%"},
                ),
            )
        return total

    # -- clocks ----------------------------------------------------------------------------

    def stage(self) -> int:
        """``bench_clock_stage``: every clock owed, with its start, target and (for clocks
        whose stop is known, like a call-back) the instant it stopped."""
        from requests_desk.models import PhoneCall, Request

        execute(
            """CREATE UNLOGGED TABLE bench_clock_stage (
                request_id bigint, commitment_id bigint, code text, terms_id bigint,
                calendar_id bigint, division_id bigint, team_id bigint, service_id bigint,
                owner_id int, label text, cycle int, started_at timestamptz,
                target_at timestamptz, natural_stop timestamptz, fixed boolean)"""
        )
        requests = Request._meta.db_table
        common = (
            "INSERT INTO bench_clock_stage SELECT r.id, t.commitment_id, t.code, t.terms_id, "
            "t.calendar_id, r.division_id, r.team_id, r.service_id, {owner}, "
            "r.tracking_code || ' ' || r.subject, {cycle}, {started}, {target}, {stop}, {fixed} "
        )
        total = 0
        total += self.steps(
            "  stage: clocks of the clock rules",
            lambda: execute(
                common.format(
                    owner="r.assignee_id",
                    cycle="1",
                    started="r.received_at",
                    target="NULL",
                    stop="NULL",
                    fixed="false",
                )
                + f"""FROM {requests} r
                JOIN bench_profile p ON p.kind = r.kind AND p.channel = r.channel
                 AND p.division_id = r.division_id AND p.team_id = r.team_id
                 AND p.service_id IS NOT DISTINCT FROM r.service_id
                JOIN bench_profile_clock pc ON pc.profile = p.idx
                JOIN bench_terms t ON t.terms_id = pc.terms_id
                WHERE r.tracking_code LIKE %(prefix)s""",
                {"prefix": f"{TRACKING_PREFIX}%"},
            ),
        )
        # Progress every 15 days while a long request is open: cycle n starts 14 days after
        # cycle n-1 (met a day early) and the last one stops when the request is resolved.
        total += self.steps(
            "  stage: 15-day progress cycles of long requests",
            lambda: execute(
                common.format(
                    owner="r.assignee_id",
                    cycle="n",
                    started="r.received_at + (n - 1) * interval '14 days'",
                    target="NULL",
                    stop="least(r.received_at + n * interval '14 days', r.resolved_at)",
                    fixed="false",
                )
                + f"""FROM {requests} r
                JOIN bench_division dv ON dv.division_id = r.division_id
                JOIN bench_terms t ON t.code = %(code)s AND t.calendar_id = dv.calendar_id
                CROSS JOIN LATERAL generate_series(1, ceil(extract(epoch FROM
                    (coalesce(r.resolved_at, %(now)s) - r.received_at)) / (14 * 86400))::int) n
                WHERE r.tracking_code LIKE %(prefix)s AND r.expected_completion IS NOT NULL
                  AND r.expected_completion > (r.received_at AT TIME ZONE 'Asia/Seoul')::date
                                              + interval '1 month'
                  AND r.received_at + (n - 1) * interval '14 days'
                      < coalesce(r.resolved_at, %(now)s)""",
                {"prefix": f"{TRACKING_PREFIX}%", "code": PROGRESS, "now": self.now},
            ),
        )
        total += self.steps(
            "  stage: delay notices and institutional changes",
            lambda: execute(
                common.format(
                    owner="r.assignee_id",
                    cycle="1",
                    started="r.received_at",
                    target="CASE WHEN t.code = %(delay)s THEN "
                    "((r.expected_completion + 1)::timestamp AT TIME ZONE 'Asia/Seoul') "
                    "ELSE (r.requested_due::timestamp AT TIME ZONE 'Asia/Seoul') END",
                    stop="NULL",
                    fixed="false",
                )
                + f"""FROM {requests} r
                JOIN bench_division dv ON dv.division_id = r.division_id
                JOIN bench_terms t ON t.calendar_id = dv.calendar_id
                 AND ((t.code = %(delay)s AND r.expected_completion IS NOT NULL
                       AND dv.code = 'market')
                   OR (t.code = %(institutional)s AND r.requested_due IS NOT NULL))
                WHERE r.tracking_code LIKE %(prefix)s""",
                {
                    "prefix": f"{TRACKING_PREFIX}%",
                    "delay": DELAY_NOTICE,
                    "institutional": INSTITUTIONAL,
                },
            ),
        )
        total += self.steps(
            "  stage: absent-person call-backs",
            lambda: execute(
                common.format(
                    owner="c.person_in_charge_id",
                    cycle="1",
                    started="c.received_at",
                    target="NULL",
                    stop="c.callback_at",
                    fixed="true",
                )
                + f"""FROM {PhoneCall._meta.db_table} c
                JOIN {requests} r ON r.id = c.request_id
                JOIN bench_division dv ON dv.division_id = r.division_id
                JOIN bench_terms t ON t.code = %(code)s AND t.calendar_id = dv.calendar_id
                WHERE c.person_absent""",
                {"code": ABSENT_CALLBACK},
            ),
        )
        return total

    def divisions_table(self) -> None:
        from commitments.models import Division

        execute(
            "CREATE UNLOGGED TABLE bench_division AS SELECT id AS division_id, calendar_id, "
            f"code FROM {Division._meta.db_table}"
        )

    def clocks(self) -> int:
        """The clocks from the stage: due computed from the frozen calendars; outcome drawn
        (breach odds per commitment and team, drifting over the months); a clock whose stop
        would come after now is still running (or paused, if its commitment pauses)."""
        from commitments.models import Deadline

        execute("SELECT setseed(%s)", [self.args.seed / 2])
        k = "t.minutes / 540"
        after_k = f"CASE {k} WHEN 1 THEN bd.after1 WHEN 2 THEN bd.after2 ELSE bd.after3 END"
        after_k1 = f"CASE {k} WHEN 1 THEN bd.d WHEN 2 THEN bd.after1 ELSE bd.after2 END"
        due = f"""CASE t.tkind
            WHEN 'elapsed' THEN s.started_at + t.minutes * interval '1 minute'
            WHEN 'every' THEN s.started_at + t.days * interval '1 day'
            WHEN 'calendar_days' THEN (s.loc + make_interval(months => coalesce(t.months, 0),
                                       days => coalesce(t.days, 0))) AT TIME ZONE 'Asia/Seoul'
            WHEN 'lead_time' THEN ((s.target_at AT TIME ZONE 'Asia/Seoul')
                                   - make_interval(months => coalesce(t.months, 0),
                                                   days => coalesce(t.days, 0)))
                                  AT TIME ZONE 'Asia/Seoul'
            WHEN 'by_requested_date' THEN (tb.on_or_before + time '18:00')
                                          AT TIME ZONE 'Asia/Seoul'
            WHEN 'same_business_day' THEN (CASE WHEN bd.is_bday AND s.loc::time < time '18:00'
                                                THEN bd.d ELSE bd.after1 END + time '18:00')
                                          AT TIME ZONE 'Asia/Seoul'
            WHEN 'business_hours' THEN (CASE
                WHEN bd.is_bday AND s.loc::time > time '09:00' AND s.loc::time < time '18:00'
                    THEN {after_k} + s.loc::time
                WHEN bd.is_bday AND s.loc::time <= time '09:00' THEN {after_k1} + time '18:00'
                ELSE {after_k} + time '18:00' END) AT TIME ZONE 'Asia/Seoul'
            END"""
        breach_odds = (
            "(0.03 + 0.012 * ((x.commitment_id * 31 + coalesce(x.team_id, 0) * 17) %% 11)) "
            "* (1 + 0.45 * sin(extract(epoch FROM x.started_at) / 3888000.0))"
        )
        outcome = f"""CASE
            WHEN x.fixed THEN CASE WHEN x.natural_stop <= x.due_at THEN 'met' ELSE 'breached' END
            WHEN x.u1 < 0.02 THEN 'cancelled'
            WHEN x.u1 < 0.02 + {breach_odds} THEN 'breached'
            ELSE 'met' END"""
        stop = """CASE
            WHEN y.fixed THEN y.natural_stop
            WHEN y.outcome = 'met' THEN coalesce(least(y.natural_stop, y.due_at),
                y.started_at + (y.due_at - y.started_at) * (0.05 + 0.95 * power(y.u2, 0.8)))
            WHEN y.outcome = 'breached' THEN y.due_at + interval '5 minutes'
                + (y.due_at - y.started_at) * (0.02 + 0.6 * y.u2 * y.u2)
            ELSE y.started_at + (y.due_at - y.started_at) * y.u2 END"""
        # The drawn stop; a stop not yet come (or never, for a call-back) leaves it open.
        state = """CASE
            WHEN w.stop_at IS NOT NULL AND w.stop_at <= %(now)s THEN w.outcome
            WHEN w.due_at <= %(now)s THEN 'breached'
            WHEN w.pause_ok AND w.u3 < 0.2 THEN 'paused'
            ELSE 'running' END"""
        # A few breached clocks still owe their act — only those already due: a clock is never
        # breached before its due instant.
        owing = (
            "{a}.outcome = 'breached' AND NOT {a}.fixed AND {a}.u3 < 0.003 "
            "AND {a}.due_at <= %(now)s"
        )
        still_owing = owing.format(a="z")
        source = f"""FROM (
            SELECT w.*, CASE WHEN {owing.format(a="w")} THEN 'breached' ELSE {state} END AS st
            FROM (
                SELECT y.*, {stop} AS stop_at
                FROM (
                    SELECT x.*, {outcome} AS outcome
                    FROM (
                        SELECT s.*, t.tkind, t.pause_ok, {due} AS due_at,
                               random() AS u1, random() AS u2, random() AS u3, random() AS u4
                        FROM (SELECT st.*, st.started_at AT TIME ZONE 'Asia/Seoul' AS loc
                              FROM bench_clock_stage st) s
                        JOIN bench_terms t ON t.terms_id = s.terms_id
                        JOIN bench_day bd ON bd.calendar_id = s.calendar_id
                         AND bd.d = s.loc::date
                        LEFT JOIN bench_day tb ON tb.calendar_id = s.calendar_id
                         AND tb.d = (s.target_at AT TIME ZONE 'Asia/Seoul')::date
                        OFFSET 0
                    ) x
                ) y
            ) w
        ) z"""
        closed = "z.st IN ('met', 'breached', 'cancelled') AND z.stop_at <= %(now)s"
        return insert_select(
            Deadline,
            {
                "commitment_id": "z.commitment_id",
                "commitment_code": "z.code",
                "terms_id": "z.terms_id",
                "subject_type": "'request'",
                "subject_id": "z.request_id::text",
                "subject_label": "left(z.label, 300)",
                "owner_id": "z.owner_id",
                "team_id": "z.team_id",
                "division_id": "z.division_id",
                "service_id": "z.service_id",
                "cycle": "z.cycle",
                "previous_id": "NULL",
                "created_at": "z.started_at",
                "started_at": "z.started_at",
                "target_at": "z.target_at",
                "due_at": "z.due_at",
                "state": "z.st",
                "stopped_at": f"CASE WHEN {closed} AND NOT ({still_owing}) THEN z.stop_at END",
                "stop_cause": f"CASE WHEN {closed} AND NOT ({still_owing}) THEN (CASE z.st "
                "WHEN 'cancelled' THEN 'bench: no longer owed' ELSE 'bench: told the customer' "
                "END) ELSE '' END",
                "paused_at": "CASE WHEN z.st = 'paused' THEN z.started_at "
                "+ (%(now)s - z.started_at) * z.u4 END",
                "paused_total": "interval '0'",
                "steps_done": "CASE WHEN z.st = 'breached' THEN '[\"breach\"]'::jsonb "
                "ELSE '[]'::jsonb END",
                "next_action_at": "CASE WHEN z.st = 'running' THEN z.due_at END",
                "last_error": "''",
                "updated_at": f"CASE WHEN {closed} THEN z.stop_at ELSE z.started_at END",
            },
            source,
            {"now": self.now},
        )

    def breach_events(self) -> int:
        from commitments.models import Deadline, DeadlineEvent

        return insert_select(
            DeadlineEvent,
            {
                "deadline_id": "d.id",
                "kind": "'breached'",
                "step_key": "'breach'",
                "at": "d.due_at",
                "recorded_at": "d.due_at + interval '1 minute'",
                "actor_id": "NULL",
                "note": "''",
                "data": "'{}'::jsonb",
            },
            f"FROM {Deadline._meta.db_table} d "
            "WHERE d.state = 'breached' AND d.subject_type = 'request'",
        )

    def next_due(self) -> int:
        """``Request.next_due_at`` of the open requests, as the desk keeps it."""
        from commitments.models import Deadline
        from requests_desk.models import Request

        return execute(
            f"""UPDATE {Request._meta.db_table} r SET next_due_at = x.due
            FROM (SELECT subject_id::bigint AS id, min(due_at) AS due
                  FROM {Deadline._meta.db_table}
                  WHERE subject_type = 'request' AND stopped_at IS NULL
                    AND state IN ('running', 'breached')
                  GROUP BY 1) x
            WHERE r.id = x.id"""
        )

    # -- the customer's voice ------------------------------------------------------------------

    def voice(self) -> int:
        from commitments.models import Division, Team
        from requests_desk.models import (
            Commendation,
            CustomerContact,
            GiftCoupon,
            HomepageSubmission,
            PhoneCall,
            Request,
            SurveyResponse,
            UnkindServiceReport,
        )

        requests, mine = Request._meta.db_table, {"prefix": f"{TRACKING_PREFIX}%", "now": self.now}
        total = self.steps(
            "  unkind-service reports (12 % of complaints)",
            lambda: insert_select(
                UnkindServiceReport,
                {
                    "request_id": "r.id",
                    "division_id": "r.division_id",
                    "occasion": "'[bench] 불친절 신고 / unkind service'",
                    "employee_name": "''",
                    "state": "r.st",
                    "decided_by_id": "CASE WHEN r.st <> 'pending' THEN dv.head_id END",
                    "decided_at": "CASE WHEN r.st <> 'pending' THEN r.decided END",
                    "decision_note": "''",
                    "created_at": "r.received_at",
                },
                f"""FROM (SELECT q.*, CASE WHEN q.received_at > %(now)s - interval '14 days'
                                           AND q.u < 0.6 THEN 'pending'
                                      WHEN q.u < 0.7 THEN 'confirmed' ELSE 'rejected' END AS st,
                             least(q.received_at + interval '1 day' * (1 + 4 * q.u), %(now)s)
                                 AS decided
                      FROM (SELECT x.*, random() AS u FROM {requests} x
                            WHERE x.kind = 'complaint' AND x.tracking_code LIKE %(prefix)s
                              AND random() < 0.12 OFFSET 0) q) r
                JOIN {Division._meta.db_table} dv ON dv.id = r.division_id""",
                mine,
            ),
        )
        total += self.steps(
            "  gift coupons of confirmed reports",
            lambda: insert_select(
                GiftCoupon,
                {
                    "report_id": "u.id",
                    "division_id": "u.division_id",
                    "code": "'BENCH-' || u.id",
                    "recipient_name": "c.name",
                    "recipient_email": "c.email",
                    "description": "''",
                    "issued_at": "u.decided_at",
                    "issued_by_id": "u.decided_by_id",
                },
                f"""FROM {UnkindServiceReport._meta.db_table} u
                JOIN {requests} r ON r.id = u.request_id
                JOIN {CustomerContact._meta.db_table} c ON c.id = r.customer_id
                WHERE u.state = 'confirmed'""",
            ),
        )
        score = (
            "CASE WHEN q.s < 0.45 THEN 5 WHEN q.s < 0.75 THEN 4 WHEN q.s < 0.88 THEN 3 "
            "WHEN q.s < 0.95 THEN 2 ELSE 1 END"
        )
        total += self.steps(
            "  survey scores (6 % of resolved requests)",
            lambda: insert_select(
                SurveyResponse,
                {
                    "source": "'customer'",
                    "division_id": "q.division_id",
                    "team_id": "q.team_id",
                    "request_id": "q.id",
                    "invitation_id": "NULL",
                    "call_id": "NULL",
                    "score": score,
                    "comment": "''",
                    "at": "least(q.resolved_at + interval '1 day' * 3 * q.s2, %(now)s)",
                    "recorded_by_id": "NULL",
                },
                f"""FROM (SELECT x.*, random() AS s, random() AS s2 FROM {requests} x
                          WHERE x.resolved_at IS NOT NULL AND x.tracking_code LIKE %(prefix)s
                            AND random() < 0.06 OFFSET 0) q""",
                mine,
            ),
        )
        total += self.steps(
            "  phone-monitoring scores (2 % of calls)",
            lambda: insert_select(
                SurveyResponse,
                {
                    "source": "'phone_monitoring'",
                    "division_id": "q.division_id",
                    "team_id": "NULL",
                    "request_id": "q.request_id",
                    "invitation_id": "NULL",
                    "call_id": "q.id",
                    "score": score,
                    "comment": "''",
                    "at": "least(q.received_at + interval '1 hour', %(now)s)",
                    "recorded_by_id": str(self.admin.pk),
                },
                f"""FROM (SELECT x.*, random() AS s FROM {PhoneCall._meta.db_table} x
                          WHERE random() < 0.02 OFFSET 0) q""",
                mine,
            ),
        )
        total += self.steps(
            "  commendations (0.2 % of requests)",
            lambda: insert_select(
                Commendation,
                {
                    "division_id": "q.division_id",
                    "team_id": "q.team_id",
                    "employee_id": "t.manager_id",
                    "employee_name": "'[bench] 담당자'",
                    "nominator_name": "c.name",
                    "nominator_organisation": "''",
                    "nominator_email": "c.email",
                    "reason": "'[bench] 친절한 응대 / helpful'",
                    "routed_to_id": "t.manager_id",
                    "state": "CASE WHEN q.received_at < %(now)s - interval '16 days' "
                    "THEN 'acknowledged' ELSE 'new' END",
                    "acknowledged_at": "CASE WHEN q.received_at < %(now)s - interval '16 days' "
                    "THEN q.received_at + interval '5 days' END",
                    "created_at": "q.received_at + interval '2 days'",
                    "consent_at": "q.received_at + interval '2 days'",
                    "consent_version": "'2026-01'",
                },
                f"""FROM (SELECT x.* FROM {requests} x
                          WHERE x.tracking_code LIKE %(prefix)s AND random() < 0.002
                            AND x.received_at < %(now)s - interval '2 days' OFFSET 0) q
                JOIN {Team._meta.db_table} t ON t.id = q.team_id
                JOIN {CustomerContact._meta.db_table} c ON c.id = q.customer_id""",
                mine,
            ),
        )
        total += self.steps(
            "  homepage submissions (requests by the homepage)",
            lambda: insert_select(
                HomepageSubmission,
                {
                    "request_id": "r.id",
                    "category": "CASE r.kind WHEN 'complaint' THEN 'complaint' "
                    "WHEN 'support_inquiry' THEN 'inquiry' ELSE 'request' END",
                    "consent_at": "r.received_at",
                    "consent_version": "'2026-01'",
                    "language": "'ko'",
                    "created_at": "r.received_at",
                    # Generated customers are known ones: nothing new given on the case.
                    "given_name": "''",
                    "given_phone": "''",
                },
                f"""FROM {requests} r
                WHERE r.channel = 'homepage' AND r.tracking_code LIKE %(prefix)s""",
                mine,
            ),
        )
        return total

    def drop_helpers(self) -> None:
        for table in (
            "bench_clock_stage",
            "bench_profile_clock",
            "bench_bucket",
            "bench_profile",
            "bench_division",
            "bench_day",
            "bench_terms",
        ):
            execute(f"DROP TABLE IF EXISTS {table}")

    def _calendar_id(self, code: str) -> int:
        from commitments.models import Calendar

        return Calendar.objects.get(code=code).pk

    # -- the whole run ----------------------------------------------------------------------

    def run(self) -> None:
        from django.core.management import call_command
        from django.db import transaction

        steps = self.steps
        steps("migrate", lambda: call_command("migrate", verbosity=0))
        steps("seed_charter (and clock rules)", lambda: call_command("seed_charter", verbosity=0))
        steps("users: admin, team manager, division head", self.users)
        steps("clock terms: one per commitment × calendar", self.terms)
        steps("business days of the frozen calendars", self.business_days)
        steps("divisions", lambda: self.divisions_table())
        steps(
            f"organisations and contacts ({self.args.organisations:,} / {self.args.contacts:,})",
            self.customers,
        )
        steps("request profiles and the clocks their rules owe", self.profiles)
        with transaction.atomic():
            steps(f"requests ({self.args.requests:,}, generate_series)", self.requests)
        steps("phone calls (requests received by phone)", self.calls)
        steps("activities: each request's timeline", self.activities)
        steps("stage the clocks owed (unlogged table)", self.stage)
        with transaction.atomic():
            steps("clocks: due, outcome, INSERT … SELECT", self.clocks)
        steps("breach events of breached clocks", self.breach_events)
        steps("next due of open requests", self.next_due)
        steps("customer's voice", self.voice)
        steps("due instants checked against the engine", lambda: check_dues(self.args.sample))
        steps("drop helper tables", self.drop_helpers)
        steps("VACUUM ANALYZE", vacuum_analyze)


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def rebuild_summaries(steps: Steps) -> None:
    from django.core.management import call_command, get_commands

    for command in ("rebuild_report_summaries", "rebuild_call_summaries"):
        if command in get_commands():
            steps(command, lambda command=command: call_command(command))
        else:
            print(f"no {command} command: its summaries not built", flush=True)


def check_dues(sample: int) -> None:
    """Compare the due instants computed in SQL with the engine's on a random sample."""
    from commitments import decisions
    from commitments.models import Deadline

    clocks = list(
        Deadline.objects.filter(subject_type="request")
        .select_related("terms")
        .order_by("?")[:sample]
    )
    wrong = []
    for clock in clocks:
        expected = decisions.compute_due(
            clock.terms.params,
            clock.terms.work_calendar,
            start=clock.started_at,
            target=clock.target_at,
        )
        if expected != clock.due_at:
            wrong.append((clock, expected))
    print(
        f"due instants checked against decisions.compute_due: {len(clocks) - len(wrong):,} of "
        f"{len(clocks):,} equal",
        flush=True,
    )
    for clock, expected in wrong[:10]:
        print(
            f"  {clock.commitment_code} started {clock.started_at.astimezone(_seoul())} "
            f"due {clock.due_at.astimezone(_seoul())} engine {expected.astimezone(_seoul())}"
        )


def _seoul():
    from zoneinfo import ZoneInfo

    return ZoneInfo(SEOUL)


def plausibility() -> None:
    """Counts per state, division and year, and the shares a dashboard will show."""
    queries = {
        "requests per division": """SELECT d.code, count(*) FROM requests_desk_request r
            JOIN commitments_division d ON d.id = r.division_id GROUP BY 1 ORDER BY 1""",
        "requests per status": "SELECT status, count(*) FROM requests_desk_request "
        "GROUP BY 1 ORDER BY 2 DESC",
        "requests per year received (Seoul)": """SELECT extract(year FROM received_at AT TIME
            ZONE 'Asia/Seoul')::int, count(*) FROM requests_desk_request GROUP BY 1 ORDER BY 1""",
        "clocks per state": "SELECT state, count(*), count(*) FILTER (WHERE stopped_at IS NULL) "
        "AS not_stopped FROM commitments_deadline GROUP BY 1 ORDER BY 2 DESC",
        "clocks per division: met / breached / compliance %": """SELECT d.code, count(*),
            count(*) FILTER (WHERE c.state = 'met') AS met,
            count(*) FILTER (WHERE c.state = 'breached') AS breached,
            round(100.0 * count(*) FILTER (WHERE c.state = 'met')
                  / nullif(count(*) FILTER (WHERE c.state IN ('met', 'breached')), 0), 1)
            FROM commitments_deadline c JOIN commitments_division d ON d.id = c.division_id
            GROUP BY 1 ORDER BY 1""",
        "clocks per year due (Seoul)": """SELECT extract(year FROM due_at AT TIME ZONE
            'Asia/Seoul')::int, count(*), round(100.0 * count(*) FILTER (WHERE state = 'met')
            / nullif(count(*) FILTER (WHERE state IN ('met', 'breached')), 0), 1)
            FROM commitments_deadline GROUP BY 1 ORDER BY 1""",
        "clocks per commitment": """SELECT commitment_code, count(*), round(100.0 * count(*)
            FILTER (WHERE state = 'met') / nullif(count(*) FILTER (WHERE state IN ('met',
            'breached')), 0), 1) FROM commitments_deadline GROUP BY 1 ORDER BY 2 DESC""",
        "calls: rings ≤ 3 %, apology given when > 4 %, call-backs ≤ 5 min %": """SELECT
            count(*), round(100.0 * avg((rings <= 3)::int), 1),
            round(100.0 * avg(apology_given::int) FILTER (WHERE rings > 4), 1),
            round(100.0 * avg((callback_at <= received_at + interval '5 minutes')::int)
                  FILTER (WHERE person_absent), 1)
            FROM requests_desk_phonecall""",
        "voice": """SELECT (SELECT count(*) FROM requests_desk_unkindservicereport),
            (SELECT count(*) FROM requests_desk_giftcoupon),
            (SELECT count(*) FROM requests_desk_surveyresponse),
            (SELECT round(avg(score), 2) FROM requests_desk_surveyresponse),
            (SELECT count(*) FROM requests_desk_commendation),
            (SELECT count(*) FROM requests_desk_homepagesubmission)""",
        "table sizes": """SELECT relname, n_live_tup, pg_size_pretty(pg_total_relation_size(relid))
            FROM pg_stat_user_tables WHERE n_live_tup > 1000 ORDER BY n_live_tup DESC""",
    }
    from django.db import connection

    with connection.cursor() as cursor:
        for title, sql in queries.items():
            cursor.execute(sql)
            print(f"\n{title}")
            for row in cursor.fetchall():
                print(
                    "  "
                    + " | ".join(
                        "" if v is None else f"{v:,}" if isinstance(v, int) else str(v) for v in row
                    )
                )


# --------------------------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    os.environ.pop("CHARTER_PINNED_NOW_FILE", None)
    if not args.reuse:
        recreate_database(os.environ["DATABASE_URL"], os.environ.get("CHARTER_BENCH_TEMPLATE"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")

    import django

    django.setup()
    from django.core.management import call_command

    from requests_desk.models import Request

    steps = Steps()
    began = time.perf_counter()
    if args.reuse:
        steps("migrate", lambda: call_command("migrate", verbosity=0))
        have = Request.objects.filter(tracking_code__startswith=TRACKING_PREFIX).count()
        if have < args.requests:
            raise SystemExit(f"--reuse: {have:,} generated requests, not {args.requests:,}")
        print(f"reusing {have:,} generated requests", flush=True)
    else:
        Generator(args, steps).run()
        steps("plausibility counts (full scans)", plausibility)
    if not args.reuse or args.rebuild:
        rebuild_summaries(steps)
    print(f"\ndatabase ready in {time.perf_counter() - began:.1f} s", flush=True)
    if args.generate_only:
        return
    raise SystemExit(measure(args))


# Who looks, at what: (scope, username, GET parameters of the scope).
SCOPES = (
    ("company", "admin", {}),
    ("division", "head.infrastructure", {"division": "infrastructure"}),
    ("team", "manager", {"team": "net-support"}),
)
# (page, URL name, URL args, GET parameters): the dashboard and its drill-downs (page 1).
PAGES = (
    ("dashboard", "reports:dashboard", [], {}),
    (
        "breached · common.feasibility",
        "reports:list",
        ["clocks"],
        {"outcome": "breached", "commitment": "common.feasibility"},
    ),
    ("met · all commitments", "reports:list", ["clocks"], {"outcome": "met"}),
    ("breached, still open", "reports:list", ["clocks"], {"outcome": "breached_open"}),
    ("at risk now", "reports:list", ["clocks"], {"outcome": "at_risk"}),
    ("calls · apology missing", "reports:list", ["calls"], {"outcome": "apology_missing"}),
)


def report_periods(which: str) -> dict[str, dict[str, str]]:
    """GET parameters of a month, a quarter and a year: the last full ones, the ones under way
    (today's), or both (the default)."""
    from requests_desk.reports.periods import last_full, period_containing, today

    day = today()
    chosen = {}
    if which in ("last", "both"):
        chosen["month"] = last_full("month", on=day)
        chosen["quarter"] = last_full("quarter", on=day)
        chosen["year"] = period_containing("year", day.replace(year=day.year - 1))
    if which in ("current", "both"):
        for kind in ("month", "quarter", "year"):
            chosen[f"{kind} (now)"] = period_containing(kind, day)
    return {kind: {**period.query(), "_label": period.label} for kind, period in chosen.items()}


class Browser:
    """One signed-in person: a cookie jar over ``http.client`` to 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies = port, {}

    def request(self, method: str, path: str, body: dict | None = None):
        data, headers = self.encoded(body)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        began = time.perf_counter()
        connection.request(method, path, body=data, headers=headers)
        response = connection.getresponse()
        content = response.read()
        wall = time.perf_counter() - began
        connection.close()
        self.remember(response)
        return response, content, wall

    def encoded(self, body: dict | None) -> tuple[str | None, dict]:
        """The body as a form sends it, and the headers with the cookies."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is None:
            return None, headers
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return urllib.parse.urlencode(body), headers

    def remember(self, response) -> None:
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]

    def log_in(self, login_path: str, username: str, password: str) -> None:
        response, content, _wall = self.request("GET", login_path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        if response.status != 200 or not match:
            raise SystemExit(f"login page: HTTP {response.status}")
        response, _content, _wall = self.request(
            "POST",
            login_path,
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": username,
                "password": password,
            },
        )
        if response.status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"{username} could not log in (HTTP {response.status})")


def server_ms(response) -> float | None:
    match = re.search(r"app;dur=([0-9.]+)", response.getheader("Server-Timing") or "")
    return float(match.group(1)) if match else None


def start_server(args) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / "charter-bench-dashboard"
    logs.mkdir(exist_ok=True)
    server = gunicorn_start(
        dict(os.environ), port=port, workers=args.workers, log=logs / "gunicorn.log"
    )
    return server, port, logs


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn_start(env: dict, *, port: int, workers: int, log: Path) -> subprocess.Popen:
    """The portal under gunicorn (``workers`` sync workers) on 127.0.0.1:``port``, its own
    process group (:func:`stop_server`), its output in ``log``."""
    with log.open("wb") as output:
        return subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "charter_portal.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                str(workers),
                "--timeout",
                "300",
            ],
            cwd=ROOT,
            env={k: v for k, v in env.items() if k != "DJANGO_SETTINGS_MODULE"},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def measure(args) -> int:
    """Time every (scope, period, page); print the table; 1 if ``--check`` and a p95 is over
    the target, 2 if the time ran out first."""
    from django.conf import settings
    from django.urls import reverse

    periods = report_periods(args.periods)
    login_path = reverse("login")
    server, port, logs = start_server(args)
    results: list[dict] = []
    began = time.perf_counter()
    complete = True
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response, _content, _wall = Browser(port).request("GET", login_path)
                if response.status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"the server did not start; see {logs / 'gunicorn.log'}")
            time.sleep(0.3)
        print(f"\nportal on 127.0.0.1:{port}, {args.workers} gunicorn workers", flush=True)
        for scope, username, scope_params in SCOPES:
            browser = Browser(port)
            browser.log_in(login_path, username, settings.DEMO_PASSWORD)
            for period, period_params in periods.items():
                for page, name, url_args, page_params in PAGES:
                    if time.perf_counter() - began > args.max_seconds:
                        complete = False
                        break
                    query = {k: v for k, v in period_params.items() if not k.startswith("_")}
                    query.update(scope_params)
                    query.update(page_params)
                    path = f"{reverse(name, args=url_args)}?{urllib.parse.urlencode(query)}"
                    walls, servers, size, status = [], [], 0, 200
                    for attempt in range(args.warmups + args.runs):
                        response, content, wall = browser.request("GET", path)
                        if response.status != 200:
                            status = response.status
                            print(f"{username} {path}: HTTP {status}", flush=True)
                            break
                        if attempt >= args.warmups:
                            walls.append(wall * 1000)
                            servers.append(server_ms(response))
                            size = len(content)
                    row = {
                        "scope": scope,
                        "period": f"{period.split()[0]} {period_params['_label']}",
                        "page": page,
                        "path": path,
                        "bytes": size,
                        "status": status,
                        "wall": walls,
                        "server": [s for s in servers if s is not None],
                    }
                    results.append(row)
                    print_row(row, args.target_ms)
    finally:
        stop_server(server)
    print_table(results, args, complete)
    over = [r for r in results if r["server"] and percentile(r["server"], 0.95) > args.target_ms]
    failed = [r for r in results if r["status"] != 200]
    if failed:
        print(f"{len(failed)} of {len(results)} pages answered an error (see the server's log)")
    if not complete:
        print(f"time ran out after {args.max_seconds:.0f} s: not every page was measured")
    if over:
        print(f"{len(over)} of {len(results)} pages have a server p95 over {args.target_ms:.0f} ms")
    if args.explain is not None:
        slowest = sorted(results, key=lambda r: percentile(r["server"] or [0], 0.95))[-3:]
        for row in over or slowest:
            explain(row, args.explain)
    if args.check and (over or failed or not complete):
        return 1 if over or failed else 2
    return 0


def explain(row: dict, slower_than_ms: float) -> None:
    """Request the page once in this process with its queries captured; print each query's
    time and the plan (``EXPLAIN (ANALYZE, BUFFERS)``) of those slower than the threshold."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    username = next(user for scope, user, _params in SCOPES if scope == row["scope"])
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        client.get(row["path"])
        total = (time.perf_counter() - began) * 1000
    queries = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))
    spent = sum(float(q["time"]) for q in queries) * 1000
    print(
        f"\n### {row['scope']} · {row['period']} · {row['page']}: {total:.0f} ms in this "
        f"process, {len(queries)} queries, {spent:.0f} ms in the database\n{row['path']}"
    )
    for query in queries[:5]:
        print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:300]}")
    for query in queries:
        if float(query["time"]) * 1000 < slower_than_ms:
            break
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            plan = [line for (line,) in cursor.fetchall()]
        print(f"\n  plan of the {float(query['time']) * 1000:.0f} ms query:")
        for line in plan[:40]:
            print(f"    {line}")
        if len(plan) > 40:
            print(f"    … ({len(plan) - 40} more lines)")


def _figures(values: list[float]) -> str:
    if not values:
        return f"{'—':>8} {'—':>8}"
    return f"{statistics.median(values):8.1f} {percentile(values, 0.95):8.1f}"


def print_row(row: dict, target: float) -> None:
    flag = ""
    if row["server"] and percentile(row["server"], 0.95) > target:
        flag = "  over target"
    print(
        f"{row['scope']:<9} {row['period']:<16} {row['page']:<32} "
        f"{_figures(row['server'])} {_figures(row['wall'])}{flag}",
        flush=True,
    )


def print_table(results: list[dict], args, complete: bool) -> None:
    """Two Markdown tables (server time, then client wall time): a row per scope and page, a
    column per period, "median / p95" in ms; a p95 over the target in bold."""
    periods = list(dict.fromkeys(row["period"] for row in results))
    by_page: dict[tuple[str, str], dict[str, dict]] = {}
    for row in results:
        by_page.setdefault((row["scope"], row["page"]), {})[row["period"]] = row
    for what, key in (("server (Server-Timing app;dur)", "server"), ("client wall", "wall")):
        print(
            f"\n{what}, ms, median / p95 of {args.runs} requests after {args.warmups} warm-ups"
            f"; target p95 < {args.target_ms:.0f} ms" + ("" if complete else " (incomplete)")
        )
        print("| scope | page | " + " | ".join(periods) + " |")
        print("|---|---|" + "---:|" * len(periods))
        for (scope, page), cells in by_page.items():
            shown = []
            for period in periods:
                row = cells.get(period)
                if row is None:
                    shown.append("")
                elif row["status"] != 200:
                    shown.append(f"HTTP {row['status']}")
                elif not row[key]:
                    shown.append("—")
                else:
                    p95 = percentile(row[key], 0.95)
                    bold = "**" if p95 > args.target_ms else ""
                    shown.append(f"{statistics.median(row[key]):.1f} / {bold}{p95:.1f}{bold}")
            print(f"| {scope} | {page} | " + " | ".join(shown) + " |")


if __name__ == "__main__":
    main()
