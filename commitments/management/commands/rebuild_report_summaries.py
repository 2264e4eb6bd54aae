"""Build the SLA reports' daily clock summary again from the clocks.

``rebuild_report_summaries`` replaces every row; ``--since 2026-01-01`` only the rows of due
days from that date (Asia/Seoul) on. One transaction, two set-based statements on PostgreSQL.
"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from commitments.summaries import summaries_rebuild


class Command(BaseCommand):
    help = "Rebuild the daily clock summary the SLA reports read, from the clocks."
    #: What the rows written are, in the command's last line; what ``--since`` keeps to.
    rows_word = "summary rows"
    since_help = "only due days from this date (Asia/Seoul) on; default: everything"

    def rebuild(self, since: date | None) -> int:
        return summaries_rebuild(since=since)

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--since",
            metavar="YYYY-MM-DD",
            help=self.since_help,
        )

    def handle(self, *args, since=None, **options) -> None:
        day = None
        if since:
            try:
                day = date.fromisoformat(since)
            except ValueError as exc:
                message = f"--since must be a date like 2026-01-01, not {since!r}"
                raise CommandError(message) from exc
        rows = self.rebuild(day)
        self.stdout.write(f"{rows} {self.rows_word} written")
