"""``manage.py deliver_notifications``: one delivery pass now (the Celery task runs the same)."""

from django.core.management.base import BaseCommand, CommandError

from notifications.delivery import delivery_pass


class Command(BaseCommand):
    help = "Send the messages in the outbox whose time has come, once."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="At most this many messages.")

    def handle(self, *args, limit: int = 1000, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        result = delivery_pass(limit=limit, max_seconds=float("inf"))
        self.stdout.write(
            f"sent: {result.sent}, retrying: {result.retrying}, failed: {result.failed}, "
            f"taken back from dead workers: {result.recovered}"
        )
