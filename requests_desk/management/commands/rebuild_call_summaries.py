"""Count the phone calls again into the daily call summary the SLA reports read.

``rebuild_call_summaries`` replaces every row; ``--since 2026-01-01`` only the rows of days
from that date (Asia/Seoul) on. One transaction. A logged call is counted as it is logged:
this is for calls written around the portal (an import, a restore).
"""

from datetime import date

from commitments.management.commands import rebuild_report_summaries
from requests_desk.cases.calls import calls_summary_rebuild


class Command(rebuild_report_summaries.Command):
    help = "Count the phone calls again into the daily call summary the SLA reports read."
    rows_word = "call summary rows"
    since_help = "only the days of calls from this date (Asia/Seoul) on; default: every day"

    def rebuild(self, since: date | None) -> int:
        return calls_summary_rebuild(since=since)
