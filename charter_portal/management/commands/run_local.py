"""Serve the portal in local mode with the background worker (sweep and delivery) beside it.

The worker is a child process with the embedded broker and its beat; it is stopped when the
server stops, however the server stops. A worker that dies (killed, crashed) is started again by
a supervisor thread, after a pause that doubles with each quick death (up to a minute).
"""

import os
import signal
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def site_url_for(addrport: str) -> str:
    """``http://host:port`` for runserver's ``[addr:]port`` (a wildcard address as loopback)."""
    host, _, port = addrport.rpartition(":")
    host = host or "127.0.0.1"
    if host in ("0.0.0.0", "0", "[::]", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{port or '8000'}"


class Command(BaseCommand):
    help = "Run the web server and the Celery worker (with beat) together, for local mode."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--noreload", action="store_true")

    def handle(self, *args, addrport: str, noreload: bool, **options):
        self.use_site_url(addrport)
        # The autoreloader runs this command again in a child with RUN_MAIN set: only the outer
        # process owns the worker, so a code change does not start a second one.
        if os.environ.get("RUN_MAIN") == "true":
            call_command("runserver", addrport, use_reloader=True)
            return
        # A polite stop (SIGTERM) takes the same way out as Ctrl-C, so the worker goes too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        supervisor = Supervisor(self.start_worker, self.stop_worker, self.stdout)
        supervisor.start()
        try:
            call_command("runserver", addrport, use_reloader=not noreload)
        finally:
            supervisor.stop()

    def use_site_url(self, addrport: str) -> None:
        """Links in e-mails point at the address this server really listens on, unless SITE_URL
        was set on purpose. The server's reloader child and the worker inherit it."""
        if "SITE_URL" in os.environ or not settings.LOCAL_MODE:
            return
        os.environ["SITE_URL"] = settings.SITE_URL = site_url_for(addrport)

    def start_worker(self) -> subprocess.Popen:
        if not settings.CELERY_BROKER_EMBEDDED:
            self.stdout.write("REDIS_URL is set: start the worker and beat as separate processes.")
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "charter_portal",
            "worker",
            "--beat",
            "--pool=solo",
            "--loglevel=INFO",
            f"--schedule={settings.VAR_DIR / 'celerybeat-schedule'}",
        ]
        worker = subprocess.Popen(command, start_new_session=True)
        self.stdout.write(
            f"Started the background worker (pid {worker.pid}): " + " ".join(command[2:])
        )
        return worker

    def stop_worker(self, worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        self.stdout.write("Stopping the background worker …")
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


class Supervisor(threading.Thread):
    """Keeps one worker running: starts it, restarts it when it exits, stops it at the end."""

    POLL_SECONDS = 1.0
    MAX_PAUSE = 60.0
    #: A worker that lived this long is considered healthy: the next restart waits 1 s again.
    HEALTHY_AFTER = 60.0

    def __init__(self, start, stop, stdout):
        super().__init__(name="worker-supervisor", daemon=True)
        self._start, self._stop, self.stdout = start, stop, stdout
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self.worker = start()
        self._started_at = time.monotonic()

    def run(self):
        pause = 1.0
        while not self._stopping.wait(self.POLL_SECONDS):
            code = self.worker.poll()
            if code is None:
                continue
            lived = time.monotonic() - self._started_at
            pause = 1.0 if lived > self.HEALTHY_AFTER else min(pause * 2, self.MAX_PAUSE)
            self.stdout.write(
                f"The background worker exited (code {code}); restarting it in {pause:.0f} s"
            )
            if self._stopping.wait(pause):
                return
            with self._lock:
                if self._stopping.is_set():
                    return
                self.worker = self._start()
                self._started_at = time.monotonic()

    def stop(self):
        with self._lock:
            self._stopping.set()
            self._stop(self.worker)
