"""Charter Portal beside django-helpdesk, side by side in one run: the ratio for each page.

django-helpdesk (pinned in :data:`PEER_PINS`) is the Django service desk a team would otherwise
pick. This script builds it in a venv of its own (``var/bench-peer/venv``, outside the
portal's dependencies), writes a minimal Django project for it (``var/bench-peer/site``:
PostgreSQL database ``<--peer-database-prefix>_<size>`` on the server of ``DATABASE_URL``,
``DEBUG`` off, the same persistent connections as the portal, and a middleware answering
``Server-Timing: app;dur=…, db;dur=…, queries;desc=…`` as the portal's does), migrates it and
generates its tickets with set-based SQL (``INSERT … SELECT … generate_series``): queues, staff,
tickets over three years in realistic states, their follow-ups and status changes — reused
when the database already holds that size.

Then both servers run at once on 127.0.0.1 under gunicorn (``--workers`` sync workers each):
the portal in production mode through ``bench/pages.py`` (its data set of ``--portal-size``
requests, from ``bench/dashboard.py``), the peer from its own venv. Signed in as the admin
(the portal's with its authenticator code, the peer's superuser), each pair of comparable
pages is requested alternately — peer, portal, portal, peer, … — ``--warmups`` times untimed,
then ``--runs`` times timed: the staff list's first page, its 25 rows as JSON, a request /
ticket page, a search that finds a few and one that finds none, the manager's dashboard and
the public submission (a form POST with its CSRF token, as a browser sends it). A page the
peer builds from two requests (its list: the page, then its rows by Ajax) is timed as the sum
of both. Reported: the client's wall time and the server's time (median and p95), the queries
each server ran, and the ratio ours ÷ peer of the p95s. Last, the public submission's
throughput: ``--concurrency`` client processes, each with its own connection, POSTing for
``--throughput-seconds`` to one system, then the other, ``--rounds`` times (the order
alternating); the ratio is ours ÷ peer in submissions per second. The load average is printed
before and after.

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/peer.py --readme

``--portal-size 100000 --peer-size 10000`` for a quicker run; ``--max-seconds`` bounds the
timing (the pairs not reached, and the throughput when too little time is left, are reported
as not measured); ``--readme`` writes the table into bench/README.md between its ``peer``
markers.
"""

import argparse
import contextlib
import http.client
import importlib.util
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN, END = "<!-- peer:begin -->", "<!-- peer:end -->"

#: django-helpdesk and every package it runs with, exactly (pip freeze of the peer's venv).
PEER_PINS = (
    "django-helpdesk==2.6.1",
    "Django==5.2.19",
    "asgiref==3.13.0",
    "sqlparse==0.6.1",
    "djangorestframework==3.18.3",
    "django-cleanup==9.0.0",
    "django-model-utils==5.0.0",
    "beautifulsoup4==4.15.0",
    "soupsieve==4.1.3",
    "typing_extensions==4.16.0",
    "email-reply-parser==0.5.12",
    "Markdown==3.11.3",
    "nh3==0.3.8",
    "oauthlib==4.0.1",
    "requests==2.34.2",
    "requests-oauthlib==2.0.0",
    "certifi==2026.10.19.post1",
    "charset-normalizer==3.5.3",
    "idna==3.20",
    "urllib3==2.8.0",
    "gunicorn==27.0.1",
    "psycopg2-binary==2.9.13",
)
PEER_PASSWORD = "bench-peer-password"
PEER_STAFF = 24
PEER_CONTACTS = 5_000
QUEUES = (
    ("Network", "network"),
    ("Trading systems", "trading"),
    ("Market data", "market-data"),
    ("Accounts and access", "access"),
    ("Retirement pension", "pension"),
    ("Training", "training"),
    ("Billing", "billing"),
    ("Website", "website"),
    ("Business continuity", "bcp"),
    ("Data quality", "data"),
    ("Development", "development"),
    ("General inquiries", "general"),
)
#: The portal's request kinds (``bench/dashboard.py``): the peer's titles read alike, so one
#: search term finds as much in both.
TOPICS = (
    "modification",
    "new_development",
    "screen_change",
    "access_rights",
    "support_inquiry",
    "training",
    "materials_request",
    "data_problem",
    "network_trouble",
    "complaint",
)
SEARCH_FEW, SEARCH_NONE = "#1234", "없는말씨"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pages = _load("pages")
dashboard = pages.dashboard
Browser, percentile = dashboard.Browser, dashboard.percentile


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--portal-size", type=int, default=1_000_000, help="requests, ours")
    parser.add_argument("--peer-size", type=int, default=100_000, help="tickets, the peer's")
    parser.add_argument("--portal-database-prefix", default="charter_bench_pages")
    parser.add_argument("--peer-database-prefix", default="charter_bench_peer")
    parser.add_argument("--peer-home", default=str(ROOT / "var" / "bench-peer"))
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, each server")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes")
    parser.add_argument("--throughput-seconds", type=float, default=15, help="per system, round")
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds")
    parser.add_argument("--max-seconds", type=float, default=1200, help="cap on the timing")
    parser.add_argument("--readme", action="store_true", help="write the table to README")
    parser.add_argument(
        "--throughput-only",
        action="store_true",
        help="time only the public form's throughput (no pages; not written to README)",
    )
    parser.add_argument("--peer-generate", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# -- the peer: its venv, its project, its data ------------------------------------------------

PEER_SETTINGS = '''"""django-helpdesk as a team would deploy it (written by bench/peer.py)."""
import os
import urllib.parse

_db = urllib.parse.urlsplit(os.environ["PEER_DATABASE_URL"])
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "bench-peer-not-a-secret-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
MIDDLEWARE = [
    "peer_site.timing.ServerTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peer_site.urls"
WSGI_APPLICATION = "peer_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "",
        "PORT": _db.port or "",
        # As the portal's production settings: persistent connections, health-checked.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1
LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "static")
MEDIA_ROOT = os.path.join(BASE_DIR, "media")
LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"
# Mail is rendered but not sent: no SMTP server to wait for (the portal hands its mail to
# its worker, off the request).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@bench.example.com"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_PUBLIC_ENABLED = True
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
'''

PEER_TIMING = '''"""Server-Timing on every answer, as the portal writes it."""
import time

from django.db import connection


class ServerTimingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        clock = {"count": 0, "ms": 0.0}

        def count(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                clock["count"] += 1
                clock["ms"] += (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            response = self.get_response(request)
        spent = (time.perf_counter() - started) * 1000
        response["Server-Timing"] = (
            f'app;dur={spent:.1f}, db;dur={clock["ms"]:.1f}, queries;desc="{clock["count"]}"'
        )
        return response
'''

PEER_URLS = """from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
"""

PEER_WSGI = """import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")
application = get_wsgi_application()
"""


def build_peer(home: Path) -> Path:
    """The peer's venv with exactly :data:`PEER_PINS` (made again when the pins change) and
    its project; the venv's python."""
    venv = home / "venv"
    python = venv / "bin" / "python"
    stamp = venv / "bench-pins.txt"
    pins = "\n".join(PEER_PINS) + "\n"
    if not (python.exists() and stamp.exists() and stamp.read_text() == pins):
        print(f"building the peer's venv in {venv} …", flush=True)
        home.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run(
            [*install, "--no-deps", *PEER_PINS], capture_output=True, text=True, check=False
        )
        checked = subprocess.run(
            [str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False
        )
        if done.returncode != 0 or checked.returncode != 0:
            raise SystemExit(
                f"installing the peer failed:\n{done.stderr[-3000:]}\n{checked.stdout[-3000:]}"
            )
        stamp.write_text(pins)
    site = home / "site" / "peer_site"
    site.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("__init__.py", ""),
        ("settings.py", PEER_SETTINGS),
        ("timing.py", PEER_TIMING),
        ("urls.py", PEER_URLS),
        ("wsgi.py", PEER_WSGI),
    ):
        if not (site / name).exists() or (site / name).read_text() != text:
            (site / name).write_text(text)
    return python


def peer_env(home: Path, url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHARTER_", "DJANGO_"))}
    return {
        **env,
        "PEER_DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "peer_site.settings",
        "PYTHONPATH": str(home / "site"),
    }


def generated_size(url: str) -> int | None:
    """The number of tickets the peer's database was generated with; None when it was not."""
    import psycopg2

    try:
        db = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None  # no such database yet
    try:
        with db.cursor() as cursor:
            cursor.execute("SELECT size FROM bench_peer_size")
            row = cursor.fetchone()
    except psycopg2.Error:
        row = None  # generation never finished
    finally:
        db.close()
    return row[0] if row else None


def ensure_peer_data(python: Path, home: Path, url: str, size: int) -> None:
    if generated_size(url) == size:
        print(f"peer: reusing {size:,} tickets in {url.rsplit('/', 1)[1]}", flush=True)
        return
    print(f"peer: generating {size:,} tickets …", flush=True)
    done = subprocess.run(
        [str(python), __file__, "--peer-generate", str(size)],
        cwd=home / "site",
        env=peer_env(home, url),
        capture_output=True,
        text=True,
        check=False,
    )
    print(done.stdout, end="", flush=True)
    if done.returncode != 0:
        raise SystemExit(f"peer generation failed:\n{done.stderr[-3000:]}")


# Inside the peer's venv (``--peer-generate``): Django set up with its settings.

#: The tickets' draws, one row each: created over the last three years. Their status: the last
#: two weeks' mostly open, older ones mostly closed; 15 % are unassigned; five priorities.
TICKET_SOURCE = """
    FROM (
        SELECT g, random() AS u_queue, random() AS u_age, random() AS u_status,
               random() AS u_owner, random() AS u_prio, random() AS u_contact,
               random() AS u_due, random() AS u_topic,
               %(now)s - interval '1 minute' * (1 + random() * 60 * 24 * 365 * 3) AS created
        FROM generate_series(1, %(n)s) g OFFSET 0
    ) s
"""
TICKET_STATUS = """CASE WHEN s.created > %(now)s - interval '14 days' THEN
        (CASE WHEN s.u_status < 0.6 THEN 1 WHEN s.u_status < 0.65 THEN 2 ELSE 3 END)
    ELSE (CASE WHEN s.u_status < 0.03 THEN 1 WHEN s.u_status < 0.04 THEN 2
               WHEN s.u_status < 0.14 THEN 3 WHEN s.u_status < 0.16 THEN 5 ELSE 4 END) END"""


def generate_peer(size: int) -> None:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone
    from helpdesk.models import FollowUp, Queue, Ticket, TicketChange

    dashboard.recreate_database(os.environ["PEER_DATABASE_URL"])
    steps, began = dashboard.Steps(), time.perf_counter()
    now = timezone.now().replace(second=0, microsecond=0)
    steps("migrate (django-helpdesk's migrations)", lambda: call_command("migrate", verbosity=0))

    def people() -> int:
        # A few dozen rows, through the ORM: its signal gives each person their settings.
        User, password = get_user_model(), make_password(PEER_PASSWORD)
        User(
            username="admin",
            email="admin@bench.example.com",
            password=password,
            is_staff=True,
            is_superuser=True,
        ).save()
        for n in range(1, PEER_STAFF + 1):
            email = f"agent{n:02d}@bench.example.com"
            User(username=f"agent{n:02d}", email=email, password=password, is_staff=True).save()
        for title, slug in QUEUES:
            Queue.objects.create(title=title, slug=slug, allow_public_submission=True)
        return User.objects.count()

    steps(f"the admin, {PEER_STAFF} staff, {len(QUEUES)} queues", people)
    staff = list(get_user_model().objects.order_by("pk").values_list("pk", flat=True))
    queues = list(Queue.objects.order_by("pk").values_list("pk", flat=True))
    dashboard.execute("SELECT setseed(0.42)")
    topic = "(%(topics)s::text[])[1 + floor(s.u_topic * %(ntopics)s)::int]"
    params = {
        "n": size,
        "now": now,
        "queues": queues,
        "nqueues": len(queues),
        "staff": staff,
        "nstaff": len(staff),
        "topics": list(TOPICS),
        "ntopics": len(TOPICS),
        "contacts": PEER_CONTACTS,
    }
    tickets = {
        "title": f"'[bench] ' || {topic} || ' #' || s.g",
        "queue_id": "(%(queues)s::int[])[1 + floor(s.u_queue * %(nqueues)s)::int]",
        "created": "s.created",
        "modified": "least(%(now)s, s.created + interval '3 days' * s.u_due)",
        "submitter_email": "'contact' || (1 + floor(s.u_contact * %(contacts)s)::int) "
        "|| '@bench.example.com'",
        "assigned_to_id": "CASE WHEN s.u_owner < 0.15 THEN NULL "
        "ELSE (%(staff)s::int[])[1 + floor((s.u_owner - 0.15) / 0.85 * %(nstaff)s)::int] END",
        "status": TICKET_STATUS,
        "description": "'The customer reports a problem with ' || "
        f"{topic} || ' (case ' || s.g || '): what they did, what they saw, what they "
        "expected, and the screen or message it concerns. They ask for a fix or a "
        "workaround and a call back.'",
        "resolution": f"CASE WHEN ({TICKET_STATUS}) IN (3, 4) "
        "THEN 'Fixed and confirmed with the customer.' END",
        "priority": "CASE WHEN s.u_prio < 0.05 THEN 1 WHEN s.u_prio < 0.2 THEN 2 "
        "WHEN s.u_prio < 0.8 THEN 3 WHEN s.u_prio < 0.95 THEN 4 ELSE 5 END",
        "due_date": "CASE WHEN s.u_due < 0.2 THEN s.created + interval '1 day' * "
        "(3 + 100 * s.u_due) END",
        "secret_key": "md5(s.g::text || random()::text)::uuid::text",
    }
    steps(
        f"tickets ({size:,}, generate_series)",
        lambda: dashboard.insert_select(Ticket, tickets, TICKET_SOURCE, params),
    )
    # One to four follow-ups a ticket: its opening (public, the submitter's description), the
    # assignee's comments, and for a ticket no longer open the last one changing its status.
    followups = {
        "ticket_id": "t.id",
        "date": "least(%(now)s, t.created + interval '1 day' * (f.i - 1) * (1 + t.id %% 5))",
        "title": "CASE WHEN f.i = 1 THEN 'Ticket Opened' "
        "WHEN f.i = f.last AND t.status IN (3, 4, 5) THEN 'Closed' ELSE 'Comment' END",
        "comment": "CASE WHEN f.i = 1 THEN t.description ELSE 'Looked into it; next step "
        "agreed with the customer (follow-up ' || f.i || ').' END",
        "public": "f.i %% 2 = 1",
        "user_id": "CASE WHEN f.i = 1 THEN NULL ELSE t.assigned_to_id END",
        "new_status": "CASE WHEN f.i > 1 AND f.i = f.last AND t.status IN (3, 4, 5) "
        "THEN t.status END",
    }
    source = """
        FROM helpdesk_ticket t
        CROSS JOIN LATERAL (
            SELECT i, 1 + t.id %% 4 AS last FROM generate_series(1, 1 + t.id %% 4) i
        ) f
    """
    steps(
        "follow-ups (1–4 a ticket)",
        lambda: dashboard.insert_select(FollowUp, followups, source, {"now": now}),
    )
    changes = {
        "followup_id": "f.id",
        "field": "'Status'",
        "old_value": "'Open'",
        "new_value": "CASE f.new_status WHEN 3 THEN 'Resolved' WHEN 4 THEN 'Closed' "
        "ELSE 'Duplicate' END",
    }
    steps(
        "status changes of the last follow-ups",
        lambda: dashboard.insert_select(
            TicketChange, changes, "FROM helpdesk_followup f WHERE f.new_status IS NOT NULL"
        ),
    )
    steps("VACUUM ANALYZE", dashboard.vacuum_analyze)
    dashboard.execute("CREATE TABLE bench_peer_size (size integer NOT NULL)")
    dashboard.execute("INSERT INTO bench_peer_size VALUES (%s)", [size])
    print(f"peer database ready in {time.perf_counter() - began:.1f} s", flush=True)


@contextlib.contextmanager
def peer_server(python: Path, home: Path, url: str, workers: int):
    """The peer under gunicorn on 127.0.0.1 until the block ends: yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log_path = home / "gunicorn.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [
                *(str(python.parent / "gunicorn"), "peer_site.wsgi"),
                *("-b", f"127.0.0.1:{port}", "-w", str(workers), "--timeout", "300"),
            ],
            cwd=home / "site",
            env=peer_env(home, url),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        pages.wait_for(server, port, log_path, "/login/")
        yield port
    finally:
        dashboard.stop_server(server)


# -- the pairs ----------------------------------------------------------------------------


def csrf_token(content: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    if not match:
        raise SystemExit("no CSRF token in the form")
    return match.group(1).decode()


def peer_rows_path(browser, list_path: str) -> str:
    """The Ajax request the peer's list page makes for its first 25 rows."""
    response, content, _wall = browser.request("GET", list_path)
    match = re.search(rb'"url": "(/datatables_ticket_list/[^"]*)"', content)
    if response.status != 200 or not match:
        raise SystemExit(f"the peer's list {list_path}: HTTP {response.status}, no rows URL")
    return match.group(1).decode() + "?draw=1&start=0&length=25"


def our_submission(attempt: int) -> dict:
    return {**pages.complaint(attempt), "consent": "on"}


def peer_submission(queue: int):
    def body(attempt: int) -> dict:
        return {
            "queue": str(queue),
            "title": "시세수신장애 문의",
            "body": "벤치마크가 보낸 민원입니다.",
            "priority": "3",
            "submitter_email": f"bench{attempt % 7}@bench.example.com",
            "due_date": "",
        }

    return body


class Side:
    """One system's half of a pair: its requests, made with one browser, timed as one sample
    (a page built from two requests is their sum)."""

    def __init__(self, browser, steps, expect=200, form_path=None, body_of=None) -> None:
        self.browser, self.steps, self.expect = browser, steps, expect
        self.body_of, self.token = body_of, None
        if form_path:  # a POST: the form's CSRF token, as the browser would have it
            self.token = csrf_token(browser.request("GET", form_path)[1])
        self.wall, self.server, self.queries, self.status = [], [], [], None

    def sample(self, attempt: int, timed: bool) -> None:
        wall = server = 0.0
        queries, missing = 0, False
        for method, path in self.steps:
            body = None
            if method == "POST":
                body = {"csrfmiddlewaretoken": self.token, **self.body_of(attempt)}
            response, _content, seconds = self.browser.request(method, path, body)
            if response.status != (self.expect if method == "POST" else 200):
                self.status = response.status
                return
            app, count = pages.timing(response)
            wall += seconds * 1000
            server += app or 0.0
            queries += count or 0
            missing = missing or app is None or count is None
        if timed:
            self.wall.append(wall)
            if not missing:
                self.server.append(server)
                self.queries.append(queries)


def pairs(ours, peer, ours_anonymous, peer_anonymous, facts, peer_facts) -> list[dict]:
    """(label, our side, the peer's side) for every comparable page."""
    few, none = urllib.parse.quote_plus(SEARCH_FEW), urllib.parse.quote_plus(SEARCH_NONE)
    peer_list = peer_rows_path(peer, "/tickets/")
    peer_few = peer_rows_path(peer, f"/tickets/?q={few}")
    peer_none = peer_rows_path(peer, f"/tickets/?q={none}")
    ticket = peer_facts["ticket"]
    return [
        {
            "page": "staff list, first page (as a person opens it)",
            "ours": ("desk list, 50 rows", Side(ours, [("GET", "/desk/requests/")])),
            "peer": (
                "ticket list + its 25 rows (Ajax)",
                Side(peer, [("GET", "/tickets/"), ("GET", peer_list)]),
            ),
        },
        {
            "page": "staff list, 25 rows as JSON",
            "ours": (
                "API requests, 25",
                Side(ours, [("GET", "/api/v1/requests/?page_size=25")]),
            ),
            "peer": ("ticket list's rows, 25", Side(peer, [("GET", peer_list)])),
        },
        {
            "page": "request / ticket page",
            "ours": (
                "request page",
                Side(ours, [("GET", f"/desk/requests/{facts['requests']['admin']}/")]),
            ),
            "peer": ("ticket page", Side(peer, [("GET", f"/tickets/{ticket}/")])),
        },
        {
            "page": f"search “{SEARCH_FEW}” (finds a few)",
            "ours": ("desk list search", Side(ours, [("GET", f"/desk/requests/?q={few}")])),
            "peer": (
                "ticket list search + rows",
                Side(peer, [("GET", f"/tickets/?q={few}"), ("GET", peer_few)]),
            ),
        },
        {
            "page": f"search “{SEARCH_NONE}” (finds none)",
            "ours": ("desk list search", Side(ours, [("GET", f"/desk/requests/?q={none}")])),
            "peer": (
                "ticket list search + rows",
                Side(peer, [("GET", f"/tickets/?q={none}"), ("GET", peer_none)]),
            ),
        },
        {
            "page": "manager's dashboard",
            "ours": ("company dashboard", Side(ours, [("GET", "/reports/")])),
            "peer": ("staff dashboard", Side(peer, [("GET", "/dashboard/")])),
        },
        {
            "page": "public submission (form POST)",
            "ours": (
                "complaint form",
                Side(
                    ours_anonymous,
                    [("POST", "/complaint/")],
                    expect=302,
                    form_path="/complaint/",
                    body_of=our_submission,
                ),
            ),
            "peer": (
                "public ticket form",
                Side(
                    peer_anonymous,
                    [("POST", "/tickets/submit/")],
                    expect=302,
                    form_path="/tickets/submit/",
                    body_of=peer_submission(peer_facts["queue"]),
                ),
            ),
        },
    ]


def alternate(rows: list[dict], args, deadline: float) -> bool:
    """Each pair, request by request: peer then ours, ours then peer, …; the time up to
    ``deadline`` (less the throughput's) shared among the pairs not yet timed, so a slow pair
    gets fewer samples rather than the last pairs none. False when a pair was cut short."""
    complete = True
    for index, row in enumerate(rows):
        left = deadline - throughput_seconds(args) - time.monotonic()
        until = time.monotonic() + left / (len(rows) - index)
        sides = (row["peer"][1], row["ours"][1])
        for attempt in range(args.warmups + args.runs):
            if time.monotonic() > until:
                complete = False
                break
            for side in sides if attempt % 2 == 0 else sides[::-1]:
                if side.status is None:
                    side.sample(attempt, timed=attempt >= args.warmups)
        print_pair(row)
    return complete


# -- throughput -----------------------------------------------------------------------------


class KeepAlive(Browser):
    """One client: a cookie jar over one connection, opened again when the server closes it."""

    connection = None

    def request(self, method: str, path: str, body: dict | None = None):
        data, headers = self.encoded(body)
        for retry in (True, False):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.connection.request(method, path, body=data, headers=headers)
                response = self.connection.getresponse()
                content = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if not retry:
                    raise
        if response.will_close:
            self.connection.close()
            self.connection = None
        self.remember(response)
        return response, content


def submit_for(job: tuple) -> tuple[int, int, int | None]:
    """In a client process: the form's token, then POSTs from ``start`` (a wall-clock instant
    shared by the processes) for ``seconds``; (accepted, refused, the first refusal's status)."""
    port, form_path, post_path, which, queue, start, seconds, offset = job
    client = KeepAlive(port)
    token = csrf_token(client.request("GET", form_path)[1])
    body_of = our_submission if which == "ours" else peer_submission(queue)
    accepted = refused = 0
    first = None
    time.sleep(max(0.0, start - time.time()))
    end = start + seconds
    attempt = offset
    while time.time() < end:
        response, _content = client.request(
            "POST", post_path, {"csrfmiddlewaretoken": token, **body_of(attempt)}
        )
        attempt += 1
        if response.status == 302:
            accepted += 1
        else:
            refused += 1
            first = first or response.status
    return accepted, refused, first


def cpu_ticks(port: int | None = None) -> dict[int, int]:
    """CPU ticks (user + system) used so far by each gunicorn process serving 127.0.0.1:
    ``port``, or (``port`` None) by each PostgreSQL process of this machine, by process id,
    from ``/proc``."""
    ticks = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue  # ended meanwhile
        if port is None:
            mine = command.startswith(b"postgres")
        else:
            mine = b"gunicorn" in command and f"127.0.0.1:{port}".encode() in command
        if mine:
            ticks[int(stat.parent.name)] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_seconds_since(before: dict[int, int], port: int | None = None) -> float:
    """CPU seconds the processes of :func:`cpu_ticks` used since ``before`` was taken (one that
    started since counts from nothing; one that ended is left out, its last ticks unread)."""
    after = cpu_ticks(port)
    used = sum(ticks - before.get(pid, 0) for pid, ticks in after.items())
    return used / os.sysconf("SC_CLK_TCK")


def throughput_seconds(args) -> float:
    """What the throughput rounds take: each system's turn, and the processes' start."""
    return args.rounds * 2 * (args.throughput_seconds + 3)


def throughput(ports: dict, peer_queue: int, args, deadline: float) -> dict | None:
    """Submissions per second, each system in turn, ``args.rounds`` rounds; None when the time
    left is too short."""
    needed = throughput_seconds(args)
    if time.monotonic() + needed > deadline:
        print(f"throughput not measured: {needed:.0f} s needed, the time is up", flush=True)
        return None
    targets = {
        "ours": (ports["ours"], "/complaint/", "/complaint/"),
        "peer": (ports["peer"], "/tickets/submit/", "/tickets/submit/"),
    }
    totals = {name: [0, 0, None, 0.0, 0.0, 0.0] for name in targets}
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.concurrency) as pool:
        for round_ in range(args.rounds):
            for which in ("peer", "ours") if round_ % 2 == 0 else ("ours", "peer"):
                start = time.time() + 2.0  # every process has its token by then
                jobs = [
                    (*targets[which], which, peer_queue, start, args.throughput_seconds, n * 7)
                    for n in range(args.concurrency)
                ]
                server, database = cpu_ticks(targets[which][0]), cpu_ticks()
                outcome = pool.map(submit_for, jobs)
                server = cpu_seconds_since(server, targets[which][0])
                database = cpu_seconds_since(database)
                accepted = sum(o[0] for o in outcome)
                refused = sum(o[1] for o in outcome)
                first = next((o[2] for o in outcome if o[2]), None)
                total = totals[which]
                total[0] += accepted
                total[1] += refused
                total[2] = total[2] or first
                total[3] += args.throughput_seconds
                total[4] += server
                total[5] += database
                print(
                    f"  throughput round {round_ + 1}, {which:<4}: "
                    f"{accepted / args.throughput_seconds:7.1f} submissions/s, CPU a "
                    f"submission: server {server * 1000 / max(accepted, 1):.1f} ms, "
                    f"PostgreSQL {database * 1000 / max(accepted, 1):.1f} ms"
                    f"{f'  ({refused} refused, HTTP {first})' if refused else ''}",
                    flush=True,
                )
    return {
        name: {
            "per_second": t[0] / t[3],
            "refused": t[1],
            "status": t[2],
            # CPU a submission, ms: the server's processes, and PostgreSQL's (all of it)
            "server_cpu": t[4] * 1000 / max(t[0], 1),
            "database_cpu": t[5] * 1000 / max(t[0], 1),
        }
        for name, t in totals.items()
    }


# -- the table ------------------------------------------------------------------------------


def ratio(ours: float | None, peer: float | None) -> str:
    """``ours ÷ peer`` as ``0.12×``; — when either is missing or the peer's is 0."""
    if ours is None or not peer:
        return "—"
    return f"{ours / peer:.2f}×"


def p95(values: list[float]) -> float | None:
    return percentile(values, 0.95) if values else None


def print_pair(row: dict) -> None:
    for who in ("ours", "peer"):
        what, side = row[who]
        status = f"  HTTP {side.status}" if side.status else ""
        print(
            f"  {who:<4} {row['page'][:34]:<34} {what[:30]:<30} "
            f"server {pages.figures(side.server):>15} ms  wall {pages.figures(side.wall):>15} ms"
            f"  queries {pages.query_figures(side.queries)}{status}",
            flush=True,
        )


def side_figures(side) -> tuple[str, str, str]:
    if side.status:
        error = f"HTTP {side.status}"
        return error, error, "—"
    return (
        pages.figures(side.server),
        pages.figures(side.wall),
        pages.query_figures(side.queries),
    )


def table(rows: list[dict], rates: dict | None, args) -> str:
    head = (
        "| page | Charter Portal | django-helpdesk | server p50 / p95 ms, ours | "
        "server p50 / p95 ms, peer | client p50 / p95 ms, ours | client p50 / p95 ms, peer | "
        "queries, ours / peer | p95 ours ÷ peer, server | p95 ours ÷ peer, client |"
    )
    lines = [head, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for row in rows:
        (ours_what, ours), (peer_what, peer) = row["ours"], row["peer"]
        ours_server, ours_wall, ours_queries = side_figures(ours)
        peer_server, peer_wall, peer_queries = side_figures(peer)
        failed = ours.status or peer.status
        timed = min(len(ours.wall), len(peer.wall))
        page = row["page"] if failed or timed >= args.runs else f"{row['page']} ({timed} timed)"
        lines.append(
            f"| {page} | {ours_what} | {peer_what} | {ours_server} | {peer_server} | "
            f"{ours_wall} | {peer_wall} | {ours_queries} / {peer_queries} | "
            f"{'—' if failed else ratio(p95(ours.server), p95(peer.server))} | "
            f"{'—' if failed else ratio(p95(ours.wall), p95(peer.wall))} |"
        )
    if rates:
        ours, peer = (rates[who]["per_second"] for who in ("ours", "peer"))
        refused = "".join(
            f" {who}: {rates[who]['refused']} refused (HTTP {rates[who]['status']})."
            for who in ("ours", "peer")
            if rates[who]["refused"]
        )
        cpu = " | ".join(
            f"{rates[who]['server_cpu']:.1f} / {rates[who]['database_cpu']:.1f}"
            for who in ("ours", "peer")
        )
        lines += [
            "",
            "| public submission, form POST | submissions/s, ours | submissions/s, peer | "
            "ours ÷ peer | CPU ms a submission, ours: server / PostgreSQL | the same, peer |",
            "|---|---:|---:|---:|---:|---:|",
            f"| {args.concurrency} client processes, {args.rounds} × "
            f"{args.throughput_seconds:g} s each, alternating | {ours:.1f} | {peer:.1f} | "
            f"{ratio(ours, peer)} | {cpu} |",
            *([f"\n{refused.strip()}"] if refused else []),
        ]
    return "\n".join(lines)


# -- the run --------------------------------------------------------------------------------


def peer_facts(url: str) -> dict:
    """A ticket the admin opens (the sixth newest, as the portal's request page) and the queue
    the public form submits to."""
    import psycopg2

    with psycopg2.connect(url) as db, db.cursor() as cursor:
        cursor.execute("SELECT id FROM helpdesk_ticket ORDER BY created DESC, id DESC OFFSET 5")
        ticket = cursor.fetchone()[0]
        cursor.execute("SELECT id FROM helpdesk_queue WHERE slug = 'general'")
        queue = cursor.fetchone()[0]
    db.close()
    return {"ticket": ticket, "queue": queue}


def main() -> None:
    args = parse_args()
    if args.peer_generate:
        generate_peer(args.peer_generate)
        return
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = pages.load()
    print(f"load average before: {load_before}", flush=True)
    home = Path(args.peer_home)
    python = build_peer(home)
    peer_url = pages.database_url(args.peer_database_prefix, args.peer_size)
    ensure_peer_data(python, home, peer_url, args.peer_size)
    env = {
        **os.environ,
        "DATABASE_URL": pages.database_url(args.portal_database_prefix, args.portal_size),
        "PYTHONPATH": str(ROOT),
    }
    with (
        pages.production_server(args.portal_size, env, args.workers) as (port, facts),
        # The peer's tickets copied for the run too: its submissions are dropped with it.
        pages.database_copy(peer_url) as peer_run,
        peer_server(python, home, peer_run, args.workers) as peer_port,
    ):
        deadline = time.monotonic() + args.max_seconds
        print(
            f"\nCharter Portal ({args.portal_size:,} requests) on 127.0.0.1:{port}, "
            f"django-helpdesk ({args.peer_size:,} tickets) on 127.0.0.1:{peer_port}, "
            f"{args.workers} gunicorn workers each; load average {pages.load()} — "
            f"{args.warmups} warm-ups, {args.runs} timed each, alternating",
            flush=True,
        )
        facts_of_peer = peer_facts(peer_run)
        rows, complete = [], True
        if not args.throughput_only:
            ours = pages.signed_in(port, facts, "admin")
            peer = Browser(peer_port)
            peer.log_in("/login/", "admin", PEER_PASSWORD)
            rows = pairs(ours, peer, Browser(port), Browser(peer_port), facts, facts_of_peer)
            complete = alternate(rows, args, deadline)
        rates = throughput(
            {"ours": port, "peer": peer_port}, facts_of_peer["queue"], args, deadline
        )
    load_after = pages.load()
    print(f"load average after: {load_after}", flush=True)
    text = (
        f"Measured {started} – {time.strftime('%H:%M UTC', time.gmtime())} with `bench/peer.py "
        f"--portal-size {args.portal_size} --peer-size {args.peer_size} --runs {args.runs}` "
        f"(load average before {load_before}, after {load_after}): Charter Portal with "
        f"{args.portal_size:,} requests, django-helpdesk 2.6.1 with {args.peer_size:,} "
        f"tickets, both under gunicorn ({args.workers} sync workers each, production "
        f"settings, DEBUG off) on 127.0.0.1, requested alternately, {args.warmups} warm-ups "
        f"then {args.runs} timed requests each, as the admin (public submission: anonymous); "
        "queries counted by each server."
        + (
            ""
            if complete
            else " **The time ran short: a pair marked “(n timed)” has fewer samples.**"
        )
        + "\n\n"
        + table(rows, rates, args)
    )
    print("\n" + text)
    if args.readme and not args.throughput_only:
        pages.write_readme(text, BEGIN, END)
    failed = [r["page"] for r in rows if r["ours"][1].status or r["peer"][1].status]
    if failed:
        raise SystemExit(f"answered an error: {', '.join(failed)} (see the servers' logs)")


if __name__ == "__main__":
    main()
