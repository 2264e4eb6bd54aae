"""How fast is every page at 100,000 and 1,000,000 requests, as a production server answers it?

For each size: the data set of ``bench/dashboard.py`` (generated once, then reused — its
database is ``<prefix>_<size>``), its people given production password hashes, then copied
for the run (:func:`database_copy`: what the run writes, the complaints it posts and the
reads it logs, is dropped with the copy, so every run times the same data); then the portal
under ``gunicorn`` in production mode (``CHARTER_ENV=production``, collected static files,
``CHARTER_SERVER_TIMING`` on) on 127.0.0.1, one server per size running at once; from this
process, one request at a time: each staff page and API list as an admin, a division head and
a team manager, and the public pages and the public complaint POST — ``--warmups`` untimed,
then ``--runs`` timed, each page requested from the sizes' servers in turn (so a machine that
slows down for a while slows both sizes alike, and their ratio holds). Reported per
page: the server's time (``Server-Timing: app``), the client's wall time (median and p95), and
the number of queries the server ran (``Server-Timing: queries``, median and range); printed
too, the server's CPU time and its time waiting for a core (``cpu``, ``runq``), which tell a
slow page from a busy machine. The load average is printed before and after the timing.

    CHARTER_ENV=test DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter \\
    REDIS_URL=redis://127.0.0.1:6379/9 .venv/bin/python bench/pages.py --readme

``--sizes 100000`` for one size; ``--readme`` writes the table into bench/README.md (between
its ``pages`` markers); ``--max-seconds`` bounds the timing (that much for each size).
"""

import argparse
import contextlib
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
README = BENCH / "README.md"
BEGIN, END = "<!-- pages:begin -->", "<!-- pages:end -->"


def _dashboard():
    spec = importlib.util.spec_from_file_location("bench_dashboard", BENCH / "dashboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dashboard = _dashboard()
Browser, percentile = dashboard.Browser, dashboard.percentile


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="requests, comma-separated")
    parser.add_argument("--database-prefix", default="charter_bench_pages")
    parser.add_argument(
        "--runs",
        type=int,
        default=60,
        help="timed requests a page (the p95 is the fourth-slowest of 60)",
    )
    parser.add_argument("--warmups", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--max-seconds", type=float, default=900, help="cap on each size's timing")
    parser.add_argument("--readme", action="store_true", help="write the table to README")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args()


def label(size: int) -> str:
    return (
        f"{size // 1_000_000}m"
        if size % 1_000_000 == 0
        else (f"{size // 1000}k" if size % 1000 == 0 else str(size))
    )


def database_url(prefix: str, size: int) -> str:
    parts = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
    return urllib.parse.urlunsplit(parts._replace(path=f"/{prefix}_{label(size)}"))


def run(args: list[str], env: dict, *, nice: bool = False) -> subprocess.CompletedProcess:
    command = [*(["nice", "-n", "10"] if nice else []), sys.executable, *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def ensure_data(size: int, env: dict) -> None:
    """Reuse the data set when it is there (migrating it), else generate it."""
    began = time.perf_counter()
    done = run(["bench/dashboard.py", "--requests", str(size), "--reuse", "--generate-only"], env)
    if done.returncode != 0:
        print(f"generating {size:,} requests (bench/dashboard.py) …", flush=True)
        generator = ["bench/dashboard.py", "--requests", str(size), "--generate-only"]
        done = run(generator, env, nice=True)
        if done.returncode != 0:
            raise SystemExit(f"generation failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    print(f"data set of {size:,} requests ready in {time.perf_counter() - began:.0f} s", flush=True)


@contextlib.contextmanager
def database_copy(url: str):
    """A copy of the database at ``url`` for one run, until the block ends: yields the copy's
    URL (``<name>_run``). PostgreSQL copies it file by file (``CREATE DATABASE … TEMPLATE …
    STRATEGY FILE_COPY``: about 10 s for the 1M set), statistics and visibility maps with it,
    so the copy is as ``VACUUM ANALYZE`` left the data set; it is dropped afterwards, with
    everything the run wrote. A data set that runs wrote into drifts from one run to the next
    (one run of ``bench/peer.py`` posted 5,518 complaints into the 1M set: the queue and the
    homepage's requests grew at 1M and not at 100k)."""
    import psycopg2
    from psycopg2 import sql

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    copy = f"{name}_run"
    server = psycopg2.connect(urllib.parse.urlunsplit(parts._replace(path="/postgres")))
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(copy)))
            cursor.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                    sql.Identifier(copy), sql.Identifier(name)
                )
            )
        try:
            yield urllib.parse.urlunsplit(parts._replace(path=f"/{copy}"))
        finally:
            with server.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
                )
    finally:
        server.close()


# -- inside the data set's database (a subprocess with its DATABASE_URL) --------------------


def prepare() -> None:
    """Production password hashes for the people who sign in; the ids the pages need."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from commitments.access import divisions_of
    from requests_desk.models import Request

    people = {u.username: u for u in get_user_model().objects.filter(username__in=USERS)}
    dashboard.production_passwords(list(people.values()), settings.DEMO_PASSWORD)
    answer = {"password": settings.DEMO_PASSWORD, "requests": {}, "totp": {}}
    for username, user in people.items():
        # Production asks admins and managers for an authenticator code after the password:
        # each person has an enrolled device, whose key the timing browser computes codes with.
        device, _created = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        answer["totp"][username] = device.key
        visible = Request.objects.visible_to(divisions_of(user)).order_by("-received_at", "-id")
        answer["requests"][username] = visible.values_list("pk", flat=True)[5]
    print(json.dumps(answer))


# -- the pages ------------------------------------------------------------------------------

USERS = ("admin", "head.infrastructure", "manager")
SCOPES = {"admin": "admin", "head.infrastructure": "division head", "manager": "team manager"}
# (page, path, who): "all" — every role; "admin" — the admin only. {request} is a request the
# role sees; {next} the API list's next page (a cursor).
STAFF_PAGES = (
    ("desk queue", "/desk/", "admin"),
    ("desk list", "/desk/requests/", "all"),
    ("desk list · status", "/desk/requests/?status=in_progress", "all"),
    ("desk list · kind + status", "/desk/requests/?kind=training&status=closed", "admin"),
    ("desk list · assignee me", "/desk/requests/?assignee=me", "admin"),
    ("desk list · division", "/desk/requests/?division={division}", "admin"),
    ("desk list · clock breached", "/desk/requests/?clock=breached", "all"),
    ("desk list · clock at risk", "/desk/requests/?clock=at_risk", "admin"),
    ("desk list · clock on track", "/desk/requests/?clock=on_track", "admin"),
    ("desk list · clock none", "/desk/requests/?clock=none", "admin"),
    ("desk list · page 20", "/desk/requests/?page=20", "admin"),
    ("search · customer", "/desk/requests/?q=%EA%B0%80%EC%83%81%EA%B3%A0%EA%B0%9D+1234", "all"),
    ("search · subject words", "/desk/requests/?q=modification+%2312345", "admin"),
    ("search · tracking code", "/desk/requests/?q=BN-00", "admin"),
    ("search · no match", "/desk/requests/?q=%EC%97%86%EB%8A%94%EB%A7%90%EC%94%A8", "admin"),
    ("request page", "/desk/requests/{request}/", "all"),
    ("API requests, 25", "/api/v1/requests/?page_size=25", "all"),
    ("API requests, next page (cursor)", "{next}", "all"),
    ("API requests · status, 25", "/api/v1/requests/?status=in_progress&page_size=25", "admin"),
    ("API request", "/api/v1/requests/{request}/", "admin"),
    ("API calls, 25", "/api/v1/calls/?page_size=25", "admin"),
    ("API deadlines, 25", "/api/v1/deadlines/?page_size=25", "admin"),
    ("API contacts, 25", "/api/v1/contacts/?page_size=25", "admin"),
    ("company dashboard (month under way)", "/reports/", "admin"),
    ("company dashboard (year under way)", "/reports/?period=year", "admin"),
)
PUBLIC_PAGES = (
    ("home", "/"),
    ("complaint form", "/complaint/"),
    ("track form", "/track/"),
    ("commend form", "/commend/"),
)


def timing(response) -> tuple[float | None, int | None]:
    header = response.getheader("Server-Timing") or ""
    app = re.search(r"app;dur=([0-9.]+)", header)
    queries = re.search(r'queries;desc="?(\d+)', header)
    return (float(app[1]) if app else None), (int(queries[1]) if queries else None)


def spent(response) -> dict[str, float]:
    """The server's CPU time and its time waiting for a core (``cpu``, ``runq``), in ms."""
    header = response.getheader("Server-Timing") or ""
    return {name: float(ms) for name, ms in re.findall(r"(cpu|runq);dur=([0-9.]+)", header)}


class PageSamples:
    """One page's samples from one server, taken a request at a time (:meth:`take`)."""

    def __init__(self, browser, method: str, path: str, body_of=None) -> None:
        self.browser, self.method, self.path, self.body_of = browser, method, path, body_of
        self.walls, self.servers, self.queries, self.status = [], [], [], 200
        self.cpus, self.waits = [], []

    def take(self, attempt: int, timed: bool) -> None:
        if self.status >= 400:
            return
        body = self.body_of(attempt) if self.body_of else None
        if body is not None:
            response, _content, wall = self.browser.json_post(self.path, body)
        else:
            response, _content, wall = self.browser.request(self.method, self.path)
        if response.status >= 400:
            self.status = response.status
            return
        if not timed:
            return
        server, count = timing(response)
        self.walls.append(wall * 1000)
        if server is not None:
            self.servers.append(server)
        if count is not None:
            self.queries.append(count)
        split = spent(response)
        if "cpu" in split:
            self.cpus.append(split["cpu"])
        if "runq" in split:
            self.waits.append(split["runq"])

    def result(self) -> dict:
        return {
            "wall": self.walls,
            "server": self.servers,
            "queries": self.queries,
            "status": self.status,
            "cpu": self.cpus,
            "runq": self.waits,
        }


def measure_alternately(targets: list[PageSamples], args) -> list[dict]:
    """The same page from each server, request by request in turn (the order reversed every
    other time), ``args.warmups`` untimed then ``args.runs`` timed: a machine that slows down
    for a while slows every data set's requests alike, so their ratio holds."""
    for attempt in range(args.warmups + args.runs):
        for samples in targets if attempt % 2 == 0 else targets[::-1]:
            samples.take(attempt, timed=attempt >= args.warmups)
    return [samples.result() for samples in targets]


def second_factor(browser, key: str) -> None:
    """The code step after the password, when the portal asks for it (admins and managers in
    production): the authenticator's current code for the device ``key`` (hex)."""
    from binascii import unhexlify

    from django_otp.oath import TOTP

    response, content, _wall = browser.request("GET", "/accounts/two-factor/")
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', content)
    if response.status != 200 or not match:
        return  # no second factor owed: the page sends the user on
    code = f"{TOTP(unhexlify(key)).token():06d}"
    response, _content, _wall = browser.request(
        "POST",
        "/accounts/two-factor/",
        {"csrfmiddlewaretoken": match.group(1).decode(), "token": code},
    )
    if response.status != 302:
        raise SystemExit(f"the second factor was refused (HTTP {response.status})")


class JsonBrowser(Browser):
    def json_post(self, path: str, body: dict):
        import http.client

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        began = time.perf_counter()
        connection.request(
            "POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"}
        )
        response = connection.getresponse()
        content = response.read()
        wall = time.perf_counter() - began
        connection.close()
        return response, content, wall


def complaint(attempt: int) -> dict:
    return {
        "name": "벤치고객",
        "organisation": "벤치기관",
        "email": f"bench{attempt % 7}@bench.example.com",
        "phone": "02-0000-0000",
        "category": "complaint",
        "service": "",
        "subject": "시세수신장애 문의",
        "message": "벤치마크가 보낸 민원입니다.",
        "occasion": "",
        "employee_name": "",
        "consent": True,
    }


def production_env(env: dict, port: int, static_root: Path) -> dict:
    return {
        **env,
        "CHARTER_ENV": "production",
        "SECRET_KEY": "bench-pages-not-a-secret-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "EMAIL_HOST": "127.0.0.1",
        "SMS_BACKEND": "file",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "CHARTER_SERVER_TIMING": "true",
        # One person's pages are timed hundreds of times a minute: no API throttling.
        "CHARTER_API_USER_RATE": "1000000/minute",
        "CHARTER_API_ANON_RATE": "1000000/minute",
        # The complaint POST is timed 30+ times from one address.
        "CHARTER_PUBLIC_PER_IP_HOUR": "100000",
        "CHARTER_PUBLIC_PER_IP_DAY": "100000",
        "CHARTER_PUBLIC_PER_EMAIL_HOUR": "100000",
        "CHARTER_PUBLIC_PER_EMAIL_DAY": "100000",
        "CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR": "100000",
        "CHARTER_PUBLIC_LOOKUPS_PER_IP_DAY": "100000",
    }


@contextlib.contextmanager
def production_server(size: int, env: dict, workers: int):
    """The data set of ``size`` requests, copied for the run (:func:`database_copy`), served
    by gunicorn (``workers`` sync workers) in production mode on 127.0.0.1, until the block
    ends: yields the port and the facts of :func:`prepare` (the password, each person's
    authenticator key and a request they see)."""
    ensure_data(size, env)
    # In the data set itself: its people can sign in to a production server (the copy too).
    prepared = run([__file__, "--prepare"], env)
    if prepared.returncode != 0:
        raise SystemExit(f"prepare failed:\n{prepared.stderr[-3000:]}")
    facts = json.loads(prepared.stdout.strip().splitlines()[-1])
    with database_copy(env["DATABASE_URL"]) as copy:
        env = {**env, "DATABASE_URL": copy}
        server, port = start_production_server(env, workers=workers, name=label(size))
        try:
            yield port, facts
        finally:
            dashboard.stop_server(server)


def signed_in(port: int, facts: dict, username: str) -> "JsonBrowser":
    """A browser signed in as ``username``: the password, then the authenticator's code."""
    browser = JsonBrowser(port)
    browser.log_in("/accounts/login/", username, facts["password"])
    second_factor(browser, facts["totp"][username])
    return browser


def measured_rows(sizes: list[int], targets: list[PageSamples], args, **row) -> list[dict]:
    """The page timed on each size's server in turn, a printed result row per size."""
    rows = []
    for size, result in zip(sizes, measure_alternately(targets, args), strict=True):
        rows.append({"size": size, **row, **result})
        print_row(rows[-1])
    return rows


def measure_sizes(sizes: list[int], args) -> list[dict]:
    """Every page of every size, the sizes' servers running at once and each page requested
    from them in turn (:func:`measure_alternately`)."""
    results = []
    with contextlib.ExitStack() as stack:
        served = {}
        for size in sizes:
            env = {**os.environ, "DATABASE_URL": database_url(args.database_prefix, size)}
            env["PYTHONPATH"] = str(ROOT)
            served[size] = stack.enter_context(production_server(size, env, args.workers))
            print(
                f"\n{size:,} requests: production server on 127.0.0.1:{served[size][0]}",
                flush=True,
            )
        print(
            f"\nload average {load()} — {args.warmups} warm-ups, {args.runs} timed each, "
            "the sizes in turn",
            flush=True,
        )
        began = time.perf_counter()
        budget = args.max_seconds * len(sizes)
        for username in USERS:
            browsers, values = {}, {}
            for size, (port, facts) in served.items():
                browsers[size] = signed_in(port, facts, username)
                values[size] = {
                    "request": facts["requests"][username],
                    "division": "infrastructure",
                }
                first = browsers[size].request("GET", "/api/v1/requests/?page_size=25")[1]
                cursor = urllib.parse.urlsplit(json.loads(first)["next"] or "/api/v1/requests/")
                values[size]["next"] = cursor.path + "?" + cursor.query
            for page, path, who in STAFF_PAGES:
                if who == "admin" and username != "admin":
                    continue
                if time.perf_counter() - began > budget:
                    break
                targets = [
                    PageSamples(browsers[size], "GET", path.format(**values[size]))
                    for size in sizes
                ]
                results += measured_rows(sizes, targets, args, who=SCOPES[username], page=page)
        anonymous = {size: JsonBrowser(port) for size, (port, _facts) in served.items()}
        public = [(page, "GET", path, None) for page, path in PUBLIC_PAGES]
        public.append(("complaint POST (API)", "POST", "/api/v1/public/complaints/", complaint))
        for page, method, path, body_of in public:
            targets = [PageSamples(anonymous[size], method, path, body_of) for size in sizes]
            results += measured_rows(sizes, targets, args, who="public", page=page)
        print(f"load average after: {load()}", flush=True)
    return results


def start_production_server(env: dict, *, workers: int, name: str) -> tuple:
    """The portal under gunicorn (``workers`` sync workers) in production mode on a free port
    of 127.0.0.1, once it answers: ``(process, port)``. ``env`` names its database; static
    files are collected first; the log is ``$TMPDIR/charter-bench-pages/gunicorn-<name>.log``.
    Stop it with ``dashboard.stop_server``."""
    logs = Path(os.environ.get("TMPDIR", "/tmp")) / "charter-bench-pages"
    logs.mkdir(exist_ok=True)
    port = dashboard.free_port()
    penv = production_env(env, port, logs / "static")
    collected = run(["manage.py", "collectstatic", "--noinput", "-v0"], penv)
    if collected.returncode != 0:
        raise SystemExit(f"collectstatic failed:\n{collected.stderr[-3000:]}")
    server = dashboard.gunicorn_start(
        penv, port=port, workers=workers, log=logs / f"gunicorn-{name}.log"
    )
    try:
        wait_for(server, port, logs)
    except BaseException:
        dashboard.stop_server(server)
        raise
    return server, port


def wait_for(server, port, logs, path: str = "/accounts/login/") -> None:
    """Until the server answers ``path`` with 200 (90 s at most, or it exits)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            response, _content, _wall = Browser(port).request("GET", path)
            if response.status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise SystemExit(f"the server did not start; see {logs}")
        time.sleep(0.3)


def load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def figures(values: list[float]) -> str:
    if not values:
        return "— / —"
    return f"{statistics.median(values):.1f} / {percentile(values, 0.95):.1f}"


def query_figures(values: list[int]) -> str:
    if not values:
        return "—"
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def print_row(row: dict) -> None:
    status = "" if row["status"] < 400 else f"  HTTP {row['status']}"
    print(
        f"  {row['who']:<14} {row['page']:<38} server {figures(row['server']):>15} ms  "
        f"wall {figures(row['wall']):>15} ms  cpu {figures(row.get('cpu', [])):>13} ms  "
        f"runq {figures(row.get('runq', [])):>13} ms  queries {query_figures(row['queries'])}"
        f"{status}",
        flush=True,
    )


def table(results: list[dict], sizes: list[int]) -> str:
    head = ["who", "page"]
    for size in sizes:
        head += [f"{label(size)}: server p50 / p95 ms", f"{label(size)}: queries"]
    if len(sizes) == 2:
        head.append(f"p95 {label(sizes[1])} ÷ {label(sizes[0])}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    keys = list(dict.fromkeys((r["who"], r["page"]) for r in results))
    for who, page in keys:
        cells = [who, page]
        p95 = []
        for size in sizes:
            row = next(
                (r for r in results if (r["who"], r["page"], r["size"]) == (who, page, size)),
                None,
            )
            if row is None or row["status"] >= 400:
                cells += ["—" if row is None else f"HTTP {row['status']}", "—"]
                p95.append(None)
                continue
            cells += [figures(row["server"]), query_figures(row["queries"])]
            p95.append(percentile(row["server"], 0.95) if row["server"] else None)
        if len(sizes) == 2:
            ok = all(p95) and p95[0] > 0
            cells.append(f"{p95[1] / p95[0]:.2f}×" if ok else "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_readme(text: str, begin: str = BEGIN, end: str = END) -> None:
    """``text`` into bench/README.md between the ``begin`` and ``end`` markers (added at the
    end when they are not there yet)."""
    readme = README.read_text()
    if begin in readme and end in readme:
        before, rest = readme.split(begin, 1)
        after = rest.split(end, 1)[1]
        readme = f"{before}{begin}\n{text}\n{end}{after}"
    else:
        readme = f"{readme.rstrip()}\n\n{begin}\n{text}\n{end}\n"
    README.write_text(readme)


def main() -> None:
    args = parse_args()
    if args.prepare:
        prepare()
        return
    if os.environ.get("CHARTER_ENV") != "test" or "REDIS_URL" not in os.environ:
        raise SystemExit("run with CHARTER_ENV=test, DATABASE_URL and REDIS_URL (see --help)")
    sizes = [int(size) for size in args.sizes.split(",")]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    results = measure_sizes(sizes, args)
    text = (
        f"Measured {started} – {time.strftime('%H:%M UTC', time.gmtime())} with "
        f"`bench/pages.py --sizes {args.sizes} --runs {args.runs}` (load average at the end "
        f"{load()}); server time of {args.runs} requests after {args.warmups} warm-ups, "
        "one at a time, each page from the sizes' servers in turn; queries counted by the "
        "server.\n\n" + table(results, sizes)
    )
    print("\n" + text)
    if args.readme:
        write_readme(text)
    failed = [r for r in results if r["status"] >= 400]
    if failed:
        raise SystemExit(f"{len(failed)} pages answered an error (see the server's log)")


if __name__ == "__main__":
    main()
