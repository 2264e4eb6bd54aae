"""How each promise is measured, in the customer's words: what starts its clock and what keeps
it, grouped by the charter's own headings. Worded from the data — the catalogue (deadline, the
acts that keep it, its stop text), the clock-rule table (which requests start it) and what the
subject apps declare starts their clocks (``commitments.subjects.clock_start_register``) — so an
admin's edit shows here at once; no code or internal name is shown."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.models import Commitment, TargetKind
from commitments.stops import acts_words, stop_params
from commitments.subjects import clock_start_words
from commitments.vocabulary import DIVISION_CODES
from requests_desk.models import ClockRule
from requests_desk.vocabulary import Channel, RequestKind

#: The charter's headings for company-wide promises, by the group of their code; a division's
#: promises stand under the division's name, as in the charter.
COMPANY_HEADINGS = {
    "phone": gettext_lazy("Telephone and visits"),
    "visit": gettext_lazy("Telephone and visits"),
    "common": gettext_lazy("Every request"),
    "voice": gettext_lazy("Voice of the customer"),
}
#: Company-wide headings before the divisions', and the customer's voice last.
FIRST, LAST = ("phone", "visit", "common"), ("voice",)


@dataclass
class Promise:
    commitment: Commitment
    starts: str
    keeps: str


@dataclass
class Heading:
    title: str
    promises: list[Promise] = field(default_factory=list)


def promise_groups() -> list[Heading]:
    """Every active promise under its charter heading, with how it is measured (two queries)."""
    commitments = list(
        Commitment.objects.filter(active=True)
        .select_related("division", "service")
        .order_by("code")
    )
    starts_by_rules = _rule_starts()
    groups: dict[tuple, Heading] = {}
    for commitment in commitments:
        key, title = _heading(commitment)
        heading = groups.setdefault(key, Heading(title=title))
        heading.promises.append(
            Promise(
                commitment=commitment,
                starts=starts_words(commitment, by_rules=starts_by_rules.get(commitment.pk, [])),
                keeps=keeps_words(commitment),
            )
        )
    return [groups[key] for key in sorted(groups)]


def _heading(commitment: Commitment) -> tuple[tuple, str]:
    group = commitment.code.split(".", 1)[0]
    if commitment.division is None or group in COMPANY_HEADINGS:
        title = str(COMPANY_HEADINGS.get(group, COMPANY_HEADINGS["common"]))
        place = (2, 0) if group in LAST else (0, FIRST.index(group) if group in FIRST else 2)
        # "phone" and "visit" share their heading: keyed by the title, placed by the first.
        return (place[0], 0 if group == "visit" else place[1], title), title
    division = commitment.division
    position = DIVISION_CODES.index(division.code) if division.code in DIVISION_CODES else 99
    return (1, position, division.code), division.name


def _rule_starts() -> dict[int, list[str]]:
    """Per commitment, the requests whose arrival starts its clock (clock-rule table)."""
    kinds = dict(RequestKind.choices)
    channels = dict(Channel.choices)
    found: dict[int, list[str]] = defaultdict(list)
    for rule in ClockRule.objects.filter(active=True).order_by("pk"):
        if rule.request_kind:
            words = str(kinds.get(rule.request_kind, rule.request_kind))
        elif rule.channel:
            words = _("anything sent by %(channel)s") % {
                "channel": str(channels.get(rule.channel, rule.channel))
            }
        else:
            words = _("any request")
        if words not in found[rule.commitment_id]:
            found[rule.commitment_id].append(words)
    return found


def starts_words(commitment: Commitment, *, by_rules: list[str]) -> str:
    """What starts the promise's clock, in the reader's language."""
    if commitment.target_kind == TargetKind.RULE:
        return _("always in force")
    if commitment.target_kind == TargetKind.PER_CALL:
        return _("each phone call")
    said = []
    if by_rules:
        said.append(_("when we receive your request: %(kinds)s") % {"kinds": ", ".join(by_rules)})
    said.extend(clock_start_words(commitment.code))
    return "; ".join(said) or _("when the record it concerns is made")


def keeps_words(commitment: Commitment) -> str:
    """What keeps the promise: what we tell you and how, or the request resolved; else the
    catalogue's own words for what stops it."""
    said = []
    acts = acts_words(stop_params(commitment))
    if acts:
        said.append(_("we tell you: %(acts)s") % {"acts": acts})
    if commitment.stop_status:
        said.append(_("your request is resolved"))
    return _(" or ").join(said) if said else commitment.stop
