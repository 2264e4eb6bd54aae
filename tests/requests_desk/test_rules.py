"""The clock-rule table: seeded with the charter, idempotent, and what each kind starts."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from commitments.models import Commitment, Division
from requests_desk.models import ClockRule
from requests_desk.seed import DEFAULT_RULES, clock_rules_seed
from tests.requests_desk.desk_support import clocks, member_of, new_request
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("charter")


def test_seeding_the_charter_seeds_every_default_rule():
    assert ClockRule.objects.count() == len(DEFAULT_RULES)


def test_seeding_again_creates_nothing_and_keeps_an_admins_deactivation():
    rule = ClockRule.objects.get(commitment__code="common.training-plan")
    rule.active = False
    rule.save()

    call_command("seed_charter", verbosity=0)

    assert clock_rules_seed() == 0
    assert ClockRule.objects.count() == len(DEFAULT_RULES)
    rule.refresh_from_db()
    assert not rule.active


def test_a_deactivated_rule_starts_nothing():
    ClockRule.objects.filter(commitment__code="common.feasibility").update(active=False)
    with at(2026, 9, 23, 15, 0):
        request = new_request(member_of("net-support"))

    assert clocks(request) == {}


# Received Wed 2026-09-23 15:00 KST (Chuseok Thu 24 – Sat 26 Sep). One business day = 9 h →
# Mon 28 Sep 15:00; three business days = 27 h → Wed 30 Sep 15:00 (Mon 6 h, Tue 9 h, Wed 6 h …
# 3 + 9 + 9 + 6 = 27 → Wed 15:00).
WED = kst(2026, 9, 23, 15, 0)


@pytest.mark.parametrize(
    ("kind", "division", "extra", "expected"),
    [
        ("modification", "infrastructure", {}, {"common.feasibility": kst(2026, 9, 28, 15, 0)}),
        ("screen_change", "financial", {}, {"common.feasibility": kst(2026, 9, 28, 15, 0)}),
        (
            "new_development",
            "infrastructure",
            {},
            {
                "common.feasibility": kst(2026, 9, 28, 15, 0),
                "common.review-result": kst(2026, 9, 28, 15, 0),
            },
        ),
        ("access_rights", "infrastructure", {}, {"common.access-rights": kst(2026, 9, 28, 15, 0)}),
        (
            "support_inquiry",
            "infrastructure",
            {},
            {"common.support-eta": WED + timedelta(minutes=10)},
        ),
        ("training", "bizdev", {}, {"common.training-plan": kst(2026, 9, 28, 15, 0)}),
        (
            "homepage_input",
            "infrastructure",
            {"channel": "homepage"},
            # Same business day: closing Wed 23 Sep.
            {"common.homepage-input": kst(2026, 9, 23, 18, 0)},
        ),
        (
            "complaint",
            "infrastructure",
            {"channel": "homepage"},
            {
                "common.homepage-input": kst(2026, 9, 23, 18, 0),
                "voice.complaint-feedback": kst(2026, 9, 28, 15, 0),
            },
        ),
        ("business_review", "market", {}, {"market.business-review": kst(2026, 9, 30, 15, 0)}),
        ("business_review", "information", {}, {}),
        ("data_problem", "information", {}, {"info.problem-10min": WED + timedelta(minutes=10)}),
        (
            "network_trouble",
            "infrastructure",
            {},
            {"network.trouble-plan": WED + timedelta(minutes=30)},
        ),
        (
            "bcp_trouble",
            "infrastructure",
            {},
            {
                "bcp.trouble-sms": WED + timedelta(minutes=30),
                "bcp.trouble-result": WED + timedelta(hours=3),
            },
        ),
        (
            "materials_request",
            "infrastructure",
            {"service": "bcp"},
            {"bcp.materials-3d": kst(2026, 9, 30, 15, 0)},
        ),
        ("materials_request", "infrastructure", {}, {}),
        # A PowerBase test's owner clock counts from the test's start: its window starts it.
        ("powerbase_test", "financial", {}, {}),
        ("pension_request", "financial", {}, {"finance.pension-schedule": kst(2026, 9, 30, 15, 0)}),
        ("bizdev_consultation", "bizdev", {}, {"bizdev.feedback-1w": kst(2026, 9, 30, 15, 0)}),
        ("complaint", "market", {}, {"voice.complaint-feedback": kst(2026, 9, 28, 15, 0)}),
        ("institutional_change", "infrastructure", {}, {}),
    ],
)
def test_each_kind_starts_the_charters_clocks(kind, division, extra, expected):
    actor = member_of("net-support")
    actor.is_superuser = True
    actor.save()
    with at(2026, 9, 23, 15, 0):
        request = new_request(
            actor, kind=kind, division=Division.objects.get(code=division), **extra
        )

    assert {code: c.due_at for code, c in clocks(request).items()} == expected


def test_xkrx_closes_on_december_31_for_market_requests():
    admin = member_of("market-it-infra")
    with at(2026, 12, 30, 15, 0):
        market = new_request(admin, kind="modification", division="market")
        public = new_request(member_of("net-support"), kind="modification")

    assert clocks(market)["common.feasibility"].due_at == kst(2027, 1, 4, 15, 0)
    assert clocks(public)["common.feasibility"].due_at == kst(2026, 12, 31, 15, 0)


def test_a_rule_for_a_clock_without_a_start_is_refused():
    rule = ClockRule(commitment=Commitment.objects.get(code="phone.transfer-context"))
    with pytest.raises(ValidationError) as caught:
        rule.full_clean()
    assert "commitment" in caught.value.message_dict
    dated = ClockRule(commitment=Commitment.objects.get(code="market.delay-notice"))
    with pytest.raises(ValidationError):
        dated.full_clean()
