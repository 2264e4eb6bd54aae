"""The seed commands: the charter's catalogue and organisation, demo users and API tokens."""

from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from commitments.models import (
    Calendar,
    Closure,
    Commitment,
    Contact,
    Division,
    Service,
    StaffProfile,
    Team,
    WorkingHours,
)

pytestmark = pytest.mark.django_db

# SPEC §4, every row of the charter.
CHARTER_CODES = {
    "phone.answer-3-rings",
    "phone.late-apology",
    "phone.absent-callback",
    "phone.transfer-context",
    "visit.appointment",
    "visit.explain-results",
    "common.feasibility",
    "common.access-rights",
    "common.review-result",
    "common.institutional-change",
    "common.progress-15d",
    "common.support-eta",
    "common.suspension-notice",
    "common.training-plan",
    "common.training-day",
    "common.homepage-input",
    "market.business-review",
    "market.delay-notice",
    "market.materials-owner",
    "info.problem-10min",
    "info.spec-announcement",
    "finance.test-owner",
    "finance.test-report",
    "finance.pension-callback",
    "finance.pension-schedule",
    "network.trouble-plan",
    "network.emergency-contacts",
    "cert.renewal-notice",
    "bcp.trouble-sms",
    "bcp.trouble-result",
    "bcp.handover",
    "bcp.materials-3d",
    "bizdev.callback-1h",
    "bizdev.feedback-1w",
    "voice.complaint-feedback",
    "voice.unkind-report",
    "voice.survey-publish",
    # Not a row of the charter's table but its own words: "under an hour" starts a 1-hour clock
    # that only resolution stops.
    "common.support-under-an-hour",
}

# SPEC §3 and §4: the clock each commitment starts.
CLOCKS = {
    "common.feasibility": ("business_hours", 540, None, None),
    "common.access-rights": ("business_hours", 540, None, None),
    "common.review-result": ("business_hours", 540, None, None),
    "common.training-plan": ("business_hours", 540, None, None),
    "voice.complaint-feedback": ("business_hours", 540, None, None),
    "finance.test-owner": ("business_hours", 540, None, None),
    "finance.test-report": ("business_hours", 540, None, None),
    "finance.pension-schedule": ("business_hours", 27 * 60, None, None),
    "bcp.materials-3d": ("business_hours", 27 * 60, None, None),
    "phone.absent-callback": ("elapsed", 5, None, None),
    "common.support-eta": ("elapsed", 10, None, None),
    "info.problem-10min": ("elapsed", 10, None, None),
    "finance.pension-callback": ("elapsed", 60, None, None),
    "bizdev.callback-1h": ("elapsed", 60, None, None),
    "network.trouble-plan": ("elapsed", 30, None, None),
    "bcp.trouble-sms": ("elapsed", 30, None, None),
    "bcp.trouble-result": ("elapsed", 180, None, None),
    "common.suspension-notice": ("lead_time", None, 7, None),
    "market.delay-notice": ("lead_time", None, 3, None),
    "cert.renewal-notice": ("lead_time", None, None, 1),
    "market.business-review": ("calendar_days", None, 7, None),
    "bizdev.feedback-1w": ("calendar_days", None, 7, None),
    "common.support-under-an-hour": ("elapsed", 60, None, None),
    "common.progress-15d": ("every", None, 15, None),
    "common.institutional-change": ("by_requested_date", None, None, None),
    "common.homepage-input": ("same_business_day", None, None, None),
    "common.training-day": ("by_requested_date", None, None, None),
    "info.spec-announcement": ("same_business_day", None, None, None),
}
RULES = {
    "phone.transfer-context",
    "visit.appointment",
    "visit.explain-results",
    "market.materials-owner",
    "network.emergency-contacts",
    "voice.unkind-report",
    "voice.survey-publish",
}

SEEDED_MODELS = [
    Calendar,
    WorkingHours,
    Closure,
    Division,
    Team,
    Service,
    Contact,
    Commitment,
    StaffProfile,
    get_user_model(),
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SEEDED_MODELS}


def seed(command: str = "seed_charter", *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_seed_charter_creates_every_commitment_of_the_charter():
    seed()

    assert set(Commitment.objects.values_list("code", flat=True)) == CHARTER_CODES
    assert Commitment.objects.count() == 38
    for commitment in Commitment.objects.all():
        commitment.full_clean()
        assert commitment.title_ko
        assert commitment.title_en
        assert commitment.promise_ko
        assert commitment.promise_en


def test_each_commitment_starts_the_clock_of_the_charter():
    seed()

    seeded = {
        c.code: (
            c.target_kind,
            c.target_minutes,
            c.target_days if CLOCKS[c.code][2] is not None else None,
            c.target_months if CLOCKS[c.code][3] is not None else None,
        )
        for c in Commitment.objects.filter(code__in=CLOCKS)
    }
    assert seeded == CLOCKS


def test_the_charters_rules_start_no_clock():
    seed()

    for commitment in Commitment.objects.filter(code__in=RULES):
        assert not commitment.starts_clock, commitment.code
    assert {c.code for c in Commitment.objects.all() if c.starts_clock} >= set(CLOCKS)


def test_seed_charter_creates_the_five_divisions_each_with_a_head():
    seed()

    assert set(Division.objects.values_list("code", flat=True)) == {
        "market",
        "information",
        "financial",
        "infrastructure",
        "bizdev",
    }
    for division in Division.objects.all():
        assert division.head is not None, division.code
        assert division.name_ko
        assert division.name_en
        assert division.teams.exists(), division.code


def test_every_team_has_a_manager():
    seed()

    assert Team.objects.count() >= 5
    for team in Team.objects.all():
        assert team.manager is not None, team.code
        assert team.members.filter(pk=team.manager.pk).exists(), team.code


def test_market_and_information_follow_the_exchange_calendar_and_the_others_the_public_one():
    seed()

    sources = {
        division.code: division.calendar.holiday_source for division in Division.objects.all()
    }
    assert sources == {
        "market": "XKRX",
        "information": "XKRX",
        "financial": "KR",
        "infrastructure": "KR",
        "bizdev": "KR",
    }
    for calendar in Calendar.objects.all():
        assert calendar.time_zone == "Asia/Seoul"
        assert sorted(calendar.working_hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]


def test_commitments_of_a_division_belong_to_that_division():
    seed()

    prefixes = {
        "market": "market",
        "info": "information",
        "finance": "financial",
        "network": "infrastructure",
        "cert": "infrastructure",
        "bcp": "infrastructure",
        "bizdev": "bizdev",
    }
    for commitment in Commitment.objects.select_related("division"):
        group = commitment.code.split(".")[0]
        if group in prefixes:
            assert commitment.division is not None, commitment.code
            assert commitment.division.code == prefixes[group], commitment.code
        else:
            assert commitment.division is None, commitment.code


def test_the_network_contact_table_lists_its_services_with_placeholder_people():
    seed()

    network_services = Service.objects.filter(code__startswith="net-")
    assert network_services.count() == 6
    for service in network_services:
        assert service.representative_phone, service.code
        assert service.contacts.exists(), service.code
    assert Contact.objects.filter(on_call=True).exists()


def test_every_seeded_address_is_a_placeholder_on_example_com():
    seed()

    emails = list(Contact.objects.values_list("email", flat=True))
    emails += list(get_user_model().objects.values_list("email", flat=True))
    assert emails
    assert all(email.endswith("@example.com") for email in emails), emails


def test_placeholder_people_cannot_log_in():
    seed()

    for user in get_user_model().objects.all():
        assert not user.has_usable_password(), user.username


def test_seed_charter_run_twice_creates_nothing_more():
    seed()
    first = counts()

    output = seed()

    assert counts() == first
    assert "nothing" in output


def test_seed_charter_never_undoes_an_admin_edit():
    seed()
    commitment = Commitment.objects.get(code="common.feasibility")
    commitment.title_ko = "관리자가 고친 제목"
    commitment.target_minutes = 600
    commitment.save()
    contact = Contact.objects.order_by("pk").first()
    contact.phone = "02-9999-0000"
    contact.save()
    division = Division.objects.get(code="bizdev")
    division.name_en = "Business Development and Marketing"
    division.save()
    WorkingHours.objects.filter(calendar__code="kr-public", weekday=4).update(closes="17:00")

    seed()

    commitment.refresh_from_db()
    assert commitment.title_ko == "관리자가 고친 제목"
    assert commitment.target_minutes == 600
    contact.refresh_from_db()
    assert contact.phone == "02-9999-0000"
    division.refresh_from_db()
    assert division.name_en == "Business Development and Marketing"
    friday = WorkingHours.objects.get(calendar__code="kr-public", weekday=4)
    assert friday.closes.hour == 17


def test_seed_charter_leaves_a_contact_table_an_admin_has_edited_alone():
    seed()
    service = Service.objects.get(code="net-market-data")
    placeholder = service.contacts.order_by("pk").first()
    placeholder.name = "실제 담당자"
    placeholder.email = "real.person@example.com"
    placeholder.save()
    Contact.objects.create(
        service=service, name="중복", phone="02-1234-5678", email="real.person@example.com"
    )
    before = service.contacts.count()

    output = seed()

    # The replaced placeholder does not come back, and a repeated address breaks nothing.
    assert service.contacts.count() == before
    assert not service.contacts.filter(email=placeholder_email(placeholder)).exists()
    assert "nothing" in output


def placeholder_email(contact) -> str:
    return f"{contact.service.code}.{contact.role}@example.com"


def test_seed_charter_recreates_only_what_was_deleted():
    seed()
    first = counts()
    Commitment.objects.get(code="voice.survey-publish").delete()

    seed()

    assert counts() == first
    assert Commitment.objects.filter(code="voice.survey-publish").exists()


def test_seed_demo_creates_admin_manager_and_staff_who_log_in_with_the_demo_password(client):
    seed("seed_demo")

    users = get_user_model().objects.filter(username__in=["admin", "manager", "staff"])
    assert {u.username for u in users} == {"admin", "manager", "staff"}
    for user in users:
        assert user.is_active
        assert client.login(username=user.username, password=settings.DEMO_PASSWORD)
        client.logout()
        assert not client.login(username=user.username, password="wrong-password")
    assert users.get(username="admin").is_superuser
    assert not users.get(username="staff").is_superuser
    # seed_demo loads the charter when it is missing.
    assert Commitment.objects.count() == 38


def test_seed_demo_run_twice_keeps_users_and_a_changed_password(client):
    seed("seed_demo")
    staff = get_user_model().objects.get(username="staff")
    staff.set_password("a changed password 2026")
    staff.save()
    first = counts()

    seed("seed_demo")

    assert counts() == first
    assert client.login(username="staff", password="a changed password 2026")


def test_the_demo_manager_manages_a_team_so_escalations_reach_someone():
    seed("seed_demo")

    manager = get_user_model().objects.get(username="manager")
    assert Team.objects.filter(manager=manager).exists()


def test_issue_api_token_prints_a_token_that_authenticates_the_api(demo_users):
    token = seed("issue_api_token", "staff").strip()

    assert len(token) >= 20
    api = APIClient()
    assert api.get("/api/v1/commitments/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api.get("/api/v1/commitments/")
    assert response.status_code == 200
    assert response.json()["count"] == 38


def test_issue_api_token_prints_the_same_token_twice(demo_users):
    assert seed("issue_api_token", "staff").strip() == seed("issue_api_token", "staff").strip()


def test_issue_api_token_can_rotate_the_token(demo_users):
    old = seed("issue_api_token", "staff").strip()

    new = seed("issue_api_token", "staff", "--rotate").strip()

    assert new != old
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {old}")
    assert api.get("/api/v1/commitments/").status_code in (401, 403)


def test_issue_api_token_for_an_unknown_user_is_a_command_error(demo_users):
    with pytest.raises(CommandError, match="nobody"):
        seed("issue_api_token", "nobody")


def test_issue_api_token_for_an_inactive_user_is_a_command_error(demo_users):
    demo_users["staff"].is_active = False
    demo_users["staff"].save()

    with pytest.raises(CommandError, match="inactive"):
        seed("issue_api_token", "staff")
