"""`make run`'s local mode, end to end: a bare environment, SQLite, the embedded broker, the web
server and the background worker started together and stopped together."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow

# How long to wait for the server and the worker: they start Django and Celery from cold, which
# takes seconds on an idle machine and minutes on two cores shared with a load average of 6.
# Every wait polls, so an idle machine never waits this long.
PATIENCE = 180


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def local_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "CHARTER_ENV", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        CHARTER_VAR_DIR=str(var_dir),
        CHARTER_HEARTBEAT_INTERVAL="1",
        CHARTER_SWEEP_INTERVAL="1",
        CHARTER_DELIVERY_INTERVAL="1",
        CHARTER_MAIL_POLL_INTERVAL="3",
    )
    return env


def manage(env, *args, timeout=PATIENCE):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def admin_login(base: str, username: str, password: str) -> tuple[int, str, str]:
    """Log in to /admin/ as a browser would: fetch the form, post it with its CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(base + "/admin/login/?next=/admin/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": token,
            "username": username,
            "password": password,
            "next": "/admin/",
        }
    ).encode()
    request = urllib.request.Request(base + "/admin/login/?next=/admin/", data=data)
    request.add_header("Referer", base + "/admin/login/")
    with opener.open(request, timeout=30) as response:
        return response.status, response.geturl(), response.read().decode()


def readme_demo_password() -> str:
    readme = (ROOT / "README.md").read_text()
    return re.search(r"Demo users \(password `([^`]+)`", readme).group(1)


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; last: {last!r}")


def processes_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if text in cmdline:
            pids.append(int(entry.name))
    return pids


def test_local_mode_serves_the_charter_with_the_worker_running_and_stops_both(tmp_path):
    env = local_env(tmp_path)
    manage(env, "migrate", "--noinput")
    seeded = manage(env, "seed_charter").stdout
    assert "38 commitments" in seeded
    manage(env, "seed_demo")
    assert (tmp_path / "charter.sqlite3").exists()
    assert (tmp_path / "secret_key").exists()

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "run_local", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        status, page = wait_for(lambda: get(base + "/"), timeout=PATIENCE, what="the homepage")
        assert status == 200
        assert 'lang="ko"' in page
        assert page.count("data-code=") == 38

        status, english = get(base + "/en/")
        assert status == 200
        assert 'lang="en"' in english

        # The demo admin logs in with the password the README states.
        status, landed, admin_index = admin_login(base, "admin", readme_demo_password())
        assert status == 200
        assert landed.endswith("/admin/")
        assert "/admin/commitments/commitment/" in admin_index

        def worker_seen():
            _status, body = get(base + "/healthz")
            health = json.loads(body)
            return health if health["worker_last_seen"] else None

        health = wait_for(worker_seen, timeout=PATIENCE, what="the worker's first heartbeat")
        assert health["database"] == "ok"
        assert health["broker"] == "embedded"
        assert health["mode"] == "local"
        first = processes_mentioning(str(tmp_path / "celerybeat-schedule"))
        assert first
        assert health["beat_last_tick"]  # the embedded beat records its ticks too

        # A worker killed -9 is started again by run_local's supervisor.
        for pid in first:
            os.kill(pid, signal.SIGKILL)
        wait_for(
            lambda: set(processes_mentioning(str(tmp_path / "celerybeat-schedule"))) - set(first),
            timeout=PATIENCE,
            what="the supervisor to start a new worker",
        )

        # The sweep runs on the embedded broker: the demo's overdue clocks get their breach
        # recorded by it, and the outbox is delivered to files (the demo customers' receipts).
        def swept_breaches() -> int:
            with sqlite3.connect(tmp_path / "charter.sqlite3", timeout=20) as db:
                (count,) = db.execute(
                    "SELECT count(*) FROM commitments_deadlineevent"
                    " WHERE kind = 'breached' AND data LIKE '%swept_at%'"
                ).fetchone()
            return count

        wait_for(swept_breaches, timeout=PATIENCE, what="the sweep to record the demo's breaches")
        wait_for(
            lambda: list((tmp_path / "mail").glob("*.log")),
            timeout=PATIENCE,
            what="delivered e-mail in var/mail",
        )
        assert json.loads(get(base + "/healthz")[1])["last_sweep"]

        # An e-mail dropped into the Maildir becomes a case on the e-mail channel.
        (tmp_path / "mail-in" / "new").mkdir(parents=True, exist_ok=True)
        (tmp_path / "mail-in" / "new" / "1.local.eml").write_bytes(
            b"From: Kim <minji@kbsec.example>\r\nTo: desk@example.com\r\n"
            b"Subject: local mail-in\r\nMessage-ID: <local-1@kbsec.example>\r\n\r\nhello\r\n"
        )

        def emailed_cases() -> int:
            with sqlite3.connect(tmp_path / "charter.sqlite3", timeout=20) as db:
                (count,) = db.execute(
                    "SELECT count(*) FROM requests_desk_request"
                    " WHERE channel = 'email' AND subject = 'local mail-in'"
                ).fetchone()
            return count

        wait_for(emailed_cases, timeout=PATIENCE, what="the dropped e-mail to become a case")
        assert json.loads(get(base + "/healthz")[1])["last_mail_poll"]
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=PATIENCE)

    assert server.returncode == 0, output
    assert "Stopping the background worker" in output
    assert "The background worker exited" in output
    # The embedded broker keeps all its files under the var directory, none in the checkout.
    assert not (ROOT / "control").exists()
    wait_for(
        lambda: not processes_mentioning(str(tmp_path / "celerybeat-schedule")),
        timeout=PATIENCE,
        what="the worker to exit",
    )
