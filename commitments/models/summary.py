"""The per-day summary of closed clocks that the SLA dashboards add up instead of the clocks.

One row per (day, commitment, division, team, terms): ``day`` is the Asia/Seoul date of the
clocks' **due instant** (a clock belongs to the period its due instant falls in, the usual rule
of SLA reports); the counts are of clocks that are **closed** — met, breached (stopped late or
still owing, the breach is history either way) or cancelled. Running and paused clocks are not
summarised: they are few and change every minute, so the dashboards read them from the clocks.

``division_key`` and ``team_key`` are the division's and team's ids, or 0 for none (plain
integers, so the five columns make a unique key without NULLs). ``terms`` keeps apart the
clocks computed with different frozen terms, so a report can say which ones were in force.

Time to stop is a share of the span the clock was given, wall clock: (stopped − started) /
(due − started), the due instant in force (after pauses and recomputation). 1.0 is "stopped
exactly at due", so every met clock has a share ≤ 1 and every clock stopped late one > 1. The
``le_*`` / ``over_500`` columns count stopped clocks (met, or breached and stopped since) per
bucket of that share in percent: ``le_10`` is 0–10 %, ``le_20`` is over 10 up to 20 % … and
``over_500`` is above 500 %. :data:`STOP_BUCKETS` lists the upper edges in column order; the
percentiles shown are interpolated inside the bucket. (A breached clock withdrawn later keeps
its state, and its withdrawal counts as its stop.)

Kept current by :mod:`commitments.summaries` (after every stop, breach, cancellation and move
of a clock) and rebuilt from the clocks with ``manage.py rebuild_report_summaries``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

#: Upper edges of the time-to-stop buckets, in percent of the clock's span; the last bucket
#: (``over_500``) has none.
STOP_BUCKETS = (10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 125, 150, 200, 300, 500)
#: The bucket columns, in order (one more than the edges: the open-ended last bucket).
BUCKET_FIELDS = (*(f"le_{edge}" for edge in STOP_BUCKETS), "over_500")
#: The closed states a row counts.
SUMMARY_STATES = ("met", "breached", "cancelled")


class ClockDaySummary(models.Model):
    day = models.DateField(_("due day"), help_text=_("The Asia/Seoul date of the due instant."))
    commitment = models.ForeignKey(
        "commitments.Commitment",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("commitment"),
    )
    division_key = models.IntegerField(_("division id (0: none)"))
    team_key = models.IntegerField(_("team id (0: none)"))
    terms = models.ForeignKey(
        "commitments.ClockTerms",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("terms"),
    )
    met = models.IntegerField(_("met"), default=0)
    breached = models.IntegerField(_("breached"), default=0)
    cancelled = models.IntegerField(_("cancelled"), default=0)
    le_10 = models.IntegerField(default=0)
    le_20 = models.IntegerField(default=0)
    le_30 = models.IntegerField(default=0)
    le_40 = models.IntegerField(default=0)
    le_50 = models.IntegerField(default=0)
    le_60 = models.IntegerField(default=0)
    le_70 = models.IntegerField(default=0)
    le_80 = models.IntegerField(default=0)
    le_90 = models.IntegerField(default=0)
    le_100 = models.IntegerField(default=0)
    le_125 = models.IntegerField(default=0)
    le_150 = models.IntegerField(default=0)
    le_200 = models.IntegerField(default=0)
    le_300 = models.IntegerField(default=0)
    le_500 = models.IntegerField(default=0)
    over_500 = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily clock summary")
        verbose_name_plural = _("daily clock summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "commitment", "division_key", "team_key", "terms"],
                name="clock_day_summary_key",
            )
        ]
        indexes = [
            models.Index(fields=["day"], name="summary_day"),
            models.Index(fields=["division_key", "day"], name="summary_division_day"),
            models.Index(fields=["team_key", "day"], name="summary_team_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} · {self.commitment_id} · {self.division_key}/{self.team_key}"
