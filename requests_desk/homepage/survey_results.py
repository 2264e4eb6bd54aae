"""The published satisfaction results (``voice.survey-publish``): aggregates per quarter.

Only counts, averages and the distribution of scores are published — per source (customer
survey, phone monitoring) and per division; never a name, a comment or a case. A group with
fewer than ``SURVEY_MIN_GROUP`` responses is not shown, and is left out of the totals too, so
the hidden group cannot be worked out by subtracting the shown ones from a total.

Two queries whatever the number of responses: one grouped count, one for the divisions' names.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Division
from requests_desk.cases._common import SEOUL
from requests_desk.models.voice import SurveyResponse, SurveySource

QUARTER_PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*[Qq]\s*([1-4])\s*$", re.ASCII)
FIRST_YEAR = 2000
SCORES = (1, 2, 3, 4, 5)


class QuarterError(ValueError):
    """A quarter that cannot be published: not a quarter, too early, or not begun."""


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def code(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, 3 * self.number - 2, 1, tzinfo=SEOUL)

    @property
    def end(self) -> datetime:
        return self.next().start

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.date().toordinal() - 1)

    def next(self) -> "Quarter":
        return Quarter(self.year + self.number // 4, self.number % 4 + 1)

    def previous(self) -> "Quarter":
        if self.number == 1:
            return Quarter(self.year - 1, 4)
        return Quarter(self.year, self.number - 1)

    @classmethod
    def of(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)


def today() -> date:
    return timezone.now().astimezone(SEOUL).date()


def default_quarter(*, on: date | None = None) -> Quarter:
    """The last quarter that has ended: what a published page shows first."""
    return Quarter.of(on or today()).previous()


def quarter_parse(text: str, *, on: date | None = None) -> Quarter:
    """``2026Q3`` (or ``2026-Q3``) checked: a real quarter, from 2000, already begun."""
    match = QUARTER_PATTERN.match(text or "")
    if not match:
        raise QuarterError(_("Give a quarter like 2026Q3."))
    quarter = Quarter(int(match.group(1)), int(match.group(2)))
    if quarter.year < FIRST_YEAR:
        raise QuarterError(_("Results start in %(year)s.") % {"year": FIRST_YEAR})
    if quarter > Quarter.of(on or today()):
        raise QuarterError(
            _("%(quarter)s has not begun yet: there are no results to publish.")
            % {"quarter": quarter.code}
        )
    return quarter


def quarters_to_offer(*, on: date | None = None, count: int = 8) -> list[Quarter]:
    """The current quarter and the ``count - 1`` before it, newest first."""
    quarter = Quarter.of(on or today())
    offered = []
    for _step in range(count):
        offered.append(quarter)
        quarter = quarter.previous()
    return offered


@dataclass
class Group:
    """The scores of one group: shown only with at least ``SURVEY_MIN_GROUP`` responses."""

    label: str
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(SCORES, 0))

    @property
    def count(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        if not self.count:
            return None
        return round(sum(score * n for score, n in self.counts.items()) / self.count, 2)

    @property
    def distribution(self) -> list[tuple[int, int, int]]:
        """(score, count, whole percent) from 5 down to 1."""
        total = self.count or 1
        return [
            (score, self.counts[score], round(100 * self.counts[score] / total))
            for score in reversed(SCORES)
        ]

    def add(self, score: int, n: int) -> None:
        self.counts[score] += n


@dataclass
class SourceResults:
    source: str
    label: str
    total: Group
    divisions: list[Group]
    hidden_groups: int


@dataclass
class Results:
    quarter: Quarter
    in_progress: bool
    minimum: int
    sources: list[SourceResults]


def survey_results(*, quarter: Quarter, on: date | None = None) -> Results:
    """The published aggregates of ``quarter``: per source, the total of the groups shown and
    each division with enough responses (``hidden_groups`` counts those left out)."""
    minimum = settings.SURVEY_MIN_GROUP
    rows = (
        SurveyResponse.objects.filter(at__gte=quarter.start, at__lt=quarter.end)
        .order_by()
        .values("source", "division_id", "score")
        .annotate(n=Count("id"))
    )
    by_source: dict[str, dict[int, Group]] = {code: {} for code in SurveySource.values}
    for row in rows:
        groups = by_source.setdefault(row["source"], {})
        groups.setdefault(row["division_id"], Group(label="")).add(row["score"], row["n"])
    division_ids = {pk for groups in by_source.values() for pk in groups}
    names = {}
    if division_ids:
        names = {d.pk: d.name for d in Division.objects.filter(pk__in=division_ids)}
    sources = []
    for code, label in SurveySource.choices:
        shown, hidden = [], 0
        total = Group(label=_("All divisions shown"))
        for division_id, group in by_source.get(code, {}).items():
            if group.count < minimum:
                hidden += 1
                continue
            group.label = names.get(division_id, "—")
            shown.append(group)
            for score, n in group.counts.items():
                total.add(score, n)
        shown.sort(key=lambda g: g.label)
        sources.append(
            SourceResults(
                source=code, label=str(label), total=total, divisions=shown, hidden_groups=hidden
            )
        )
    return Results(
        quarter=quarter,
        in_progress=quarter == Quarter.of(on or today()),
        minimum=minimum,
        sources=sources,
    )
