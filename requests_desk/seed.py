"""The default clock-rule table: which catalogue commitments a new request owes.

Seeded when the charter is seeded (``charter_seeded``) and callable from tests. Idempotent and
respectful of the admins: a rule that exists (same commitment and conditions) is left as it is —
deactivated rules stay deactivated; only missing rules are created.

Not here, because they are not owed by a request's kind: ``common.progress-15d``,
``market.delay-notice`` and ``common.institutional-change`` follow the request's dates; the
call-back clocks follow the call; certificates, suspensions, handovers, PowerBase test windows
(``finance.test-owner`` counts from the test's start, not a request's receipt) and spec
announcements start them on their own records.
"""

from dataclasses import dataclass

from commitments.models import Commitment, Division, Service
from requests_desk.models import ClockRule


@dataclass(frozen=True)
class Rule:
    commitment: str
    kind: str = ""
    division: str = ""
    service: str = ""
    channel: str = ""
    note: str = ""


DEFAULT_RULES = (
    Rule("common.feasibility", kind="modification"),
    Rule("common.feasibility", kind="new_development"),
    Rule("common.feasibility", kind="screen_change"),
    # A development request owes both answers: feasibility (can we, how big) and the
    # responsible person's review result — each within a business day (charter rows 7 and 9).
    Rule("common.review-result", kind="new_development"),
    Rule("common.access-rights", kind="access_rights"),
    # Any channel: a support inquiry that reaches us by phone is still a support inquiry.
    Rule("common.support-eta", kind="support_inquiry"),
    Rule("common.training-plan", kind="training"),
    # Input from the homepage: the kind, whatever channel it was logged on, and anything that
    # came in through the homepage (a complaint filed there is answered the same day too).
    Rule("common.homepage-input", kind="homepage_input"),
    Rule("common.homepage-input", channel="homepage"),
    Rule("market.business-review", kind="business_review", division="market"),
    Rule("info.problem-10min", kind="data_problem", division="information"),
    Rule("network.trouble-plan", kind="network_trouble", division="infrastructure"),
    Rule("bcp.trouble-sms", kind="bcp_trouble"),
    Rule("bcp.trouble-result", kind="bcp_trouble"),
    Rule("bcp.materials-3d", kind="materials_request", service="bcp"),
    Rule("finance.pension-schedule", kind="pension_request"),
    Rule("bizdev.feedback-1w", kind="bizdev_consultation"),
    Rule("voice.complaint-feedback", kind="complaint"),
)


def clock_rules_seed() -> int:
    """Create the default rules that are missing; how many were created. Rules naming a
    commitment, division or service that does not exist are skipped."""
    commitments = Commitment.objects.in_bulk(field_name="code")
    divisions = Division.objects.in_bulk(field_name="code")
    services = Service.objects.in_bulk(field_name="code")
    created = 0
    for rule in DEFAULT_RULES:
        commitment = commitments.get(rule.commitment)
        division = divisions.get(rule.division) if rule.division else None
        service = services.get(rule.service) if rule.service else None
        if (
            commitment is None
            or (rule.division and division is None)
            or (rule.service and service is None)
        ):
            continue
        _rule, made = ClockRule.objects.get_or_create(
            commitment=commitment,
            request_kind=rule.kind,
            division=division,
            service=service,
            channel=rule.channel,
            defaults={"note": rule.note},
        )
        created += made
    return created


def on_charter_seeded(sender, **kwargs) -> None:
    clock_rules_seed()
