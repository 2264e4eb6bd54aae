"""Serve the portal in local mode with the background worker (sweep and delivery) beside it.

The worker is a child process with the embedded broker and its beat; it is stopped when the
server stops, however the server stops.
"""

import os
import signal
import subprocess
import sys

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
        worker = self.start_worker()
        try:
            call_command("runserver", addrport, use_reloader=not noreload)
        finally:
            self.stop_worker(worker)

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
        self.stdout.write("Starting the background worker: " + " ".join(command[2:]))
        return subprocess.Popen(command, start_new_session=True)

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
