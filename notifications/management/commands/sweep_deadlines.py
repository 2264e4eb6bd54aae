"""``manage.py sweep_deadlines``: one sweep now (the Celery task runs the same code)."""

from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.sweep import sweep


class Command(BaseCommand):
    help = "Record every reminder, breach and escalation due now and write their messages."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Sweep as if it were this ISO 8601 instant with an offset (test mode only).",
        )
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, now: str | None = None, batch_size: int = 500, **options):
        at = None
        if now is not None:
            if not settings.TEST_MODE:
                # Sweeping "in the future" would record breaches that have not happened.
                raise CommandError("--now is only allowed when CHARTER_ENV=test")
            try:
                at = datetime.fromisoformat(now)
            except ValueError as exc:
                raise CommandError(f"--now: {exc}") from None
            if at.tzinfo is None or at.utcoffset() is None:
                raise CommandError("--now needs a time zone offset, e.g. 2026-09-28T15:00+09:00")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        result = sweep(now=at, batch_size=batch_size)
        self.stdout.write(
            f"clocks claimed: {result.clocks_claimed}, steps recorded: {result.steps_recorded}, "
            f"notifications written: {result.notifications_written}, errors: {result.errors}"
        )
