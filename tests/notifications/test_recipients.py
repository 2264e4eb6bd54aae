"""Who hears about a clock's step: the directory's people and their channel preferences, the
on-call contacts outside working time, and the fallback up the chain when someone is missing.

The calendar is the public one, Mon–Fri 09:00–18:00 Asia/Seoul with Korean holidays (Chuseok
2026 is Thu–Sat Sep 24–26); Tue 2026-10-13 is an ordinary working day.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from commitments.deadlines import deadline_start
from commitments.models import Contact, Deadline, Service, StaffProfile
from notifications.recipients import step_recipients, superusers_loader
from tests.factories import CommitmentFactory, DivisionFactory, TeamFactory, UserFactory

SEOUL = ZoneInfo("Asia/Seoul")
WORKING = datetime(2026, 10, 13, 11, 0, tzinfo=SEOUL)  # Tuesday morning
NIGHT = datetime(2026, 10, 13, 23, 0, tzinfo=SEOUL)

pytestmark = pytest.mark.django_db


def staff(username: str, **profile):
    user = UserFactory(username=username, email=f"{username}@example.com")
    if profile.pop("no_profile", False):
        return user
    StaffProfile.objects.create(user=user, **profile)
    return user


@pytest.fixture
def service():
    division = DivisionFactory(code="rc-service-division")
    return Service.objects.create(code="rc-line", name_ko="회선", name_en="Line", division=division)


def clock(*, owner="owner", manager="manager", head="head", service=None) -> Deadline:
    """A clock of a team and division whose people are the named users (None: nobody)."""
    division = DivisionFactory(code="rc-division", head=head and staff(head))
    team = TeamFactory(code="rc-team", division=division, manager=manager and staff(manager))
    return deadline_start(
        commitment=CommitmentFactory(code="test.recipients", division=division),
        subject_type="test",
        subject_id="1",
        started_at=WORKING,
        owner=owner and staff(owner),
        team=team,
        division=division,
        service=service,
    )


def addresses(audience) -> list[tuple[str, str, str]]:
    return [(r.role, r.channel, r.address) for r in audience.recipients]


# --- the rule per step ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ("reminder", [("owner", "email", "owner@example.com")]),
        (
            "breach",
            [
                ("owner", "email", "owner@example.com"),
                ("team_manager", "email", "manager@example.com"),
            ],
        ),
        ("escalation-1", [("team_manager", "email", "manager@example.com")]),
        ("escalation-2", [("division_head", "email", "head@example.com")]),
    ],
)
def test_it_tells_the_people_each_step_concerns(step, expected):
    audience = step_recipients(deadline=clock(), step=step, at=WORKING)

    assert addresses(audience) == expected
    assert audience.notes == []


def test_it_reminds_the_team_manager_of_a_clock_nobody_is_assigned_to():
    audience = step_recipients(deadline=clock(owner=None), step="reminder", at=WORKING)

    assert addresses(audience) == [("team_manager", "email", "manager@example.com")]
    assert audience.notes == ["no reachable assignee: told the team manager"]


def test_it_escalates_to_the_division_head_when_the_team_has_no_manager():
    audience = step_recipients(deadline=clock(manager=None), step="escalation-1", at=WORKING)

    assert addresses(audience) == [("division_head", "email", "head@example.com")]
    assert audience.notes == ["no reachable team manager: told the division head"]


def test_it_escalates_to_the_administrators_when_the_division_has_no_head():
    UserFactory(username="root", email="root@example.com", is_superuser=True)
    UserFactory(username="retired-root", is_superuser=True, is_active=False)

    audience = step_recipients(deadline=clock(head=None), step="escalation-2", at=WORKING)

    assert addresses(audience) == [("superusers", "email", "root@example.com")]
    assert audience.notes == ["no reachable division head: told the administrators"]


def test_it_passes_over_an_inactive_manager():
    deadline = clock()
    deadline.team.manager.is_active = False
    deadline.team.manager.save()

    audience = step_recipients(deadline=deadline, step="escalation-1", at=WORKING)

    assert addresses(audience) == [("division_head", "email", "head@example.com")]


def test_it_notes_when_there_is_nobody_at_all_to_tell():
    audience = step_recipients(
        deadline=clock(owner=None, manager=None, head=None), step="escalation-1", at=WORKING
    )

    assert audience.recipients == []
    assert audience.notes == ["no reachable team manager and nobody to fall back on"]


def test_it_loads_the_administrators_once_however_many_clocks_need_them(
    django_assert_num_queries,
):
    UserFactory(username="root", is_superuser=True)
    deadline = clock(head=None)
    superusers = superusers_loader()
    superusers()

    with django_assert_num_queries(0):
        for _ in range(3):
            step_recipients(
                deadline=deadline, step="escalation-2", at=WORKING, superusers=superusers
            )


# --- channels and language ------------------------------------------------------------------


def test_it_texts_and_mails_by_the_persons_preferences_in_their_language():
    deadline = clock()
    StaffProfile.objects.filter(user=deadline.owner).update(
        phone="010-0000-0001", notify_by_sms=True, notify_by_email=False, language="en"
    )
    deadline.owner.refresh_from_db()

    audience = step_recipients(deadline=deadline, step="reminder", at=WORKING)

    assert [(r.channel, r.address, r.language, r.user) for r in audience.recipients] == [
        ("sms", "010-0000-0001", "en", deadline.owner)
    ]


def test_someone_who_ticked_no_channel_still_gets_e_mail():
    deadline = clock()
    StaffProfile.objects.filter(user=deadline.owner).update(notify_by_email=False)
    deadline.owner.refresh_from_db()

    audience = step_recipients(deadline=deadline, step="reminder", at=WORKING)

    assert addresses(audience) == [("owner", "email", "owner@example.com")]


def test_someone_without_a_profile_gets_e_mail_in_korean():
    deadline = clock(owner=None)
    deadline.owner = staff("bare", no_profile=True)

    audience = step_recipients(deadline=deadline, step="reminder", at=WORKING)

    assert [(r.channel, r.address, r.language) for r in audience.recipients] == [
        ("email", "bare@example.com", "ko")
    ]


def test_an_urgent_step_texts_everyone_with_a_mobile_number_first():
    deadline = clock()
    StaffProfile.objects.filter(user=deadline.owner).update(phone="010-0000-0001")
    deadline.owner.refresh_from_db()

    audience = step_recipients(deadline=deadline, step="breach", at=WORKING, urgent=True)

    assert addresses(audience) == [
        ("owner", "sms", "010-0000-0001"),
        ("owner", "email", "owner@example.com"),
        ("team_manager", "email", "manager@example.com"),  # no number: e-mail only
    ]


# --- on call --------------------------------------------------------------------------------


def on_call(service, name: str, **fields) -> Contact:
    return Contact.objects.create(
        service=service,
        name=name,
        phone="02-0000-1001",
        mobile=fields.pop("mobile", "010-0000-1001"),
        email=f"{name}@example.com",
        on_call=fields.pop("on_call", True),
        **fields,
    )


def test_it_adds_the_services_on_call_contact_at_night(service):
    on_call(service, "night")
    on_call(service, "daytime", on_call=False)

    audience = step_recipients(deadline=clock(service=service), step="breach", at=NIGHT)

    assert addresses(audience) == [
        ("owner", "email", "owner@example.com"),
        ("team_manager", "email", "manager@example.com"),
        ("on_call", "sms", "010-0000-1001"),
        ("on_call", "email", "night@example.com"),
    ]
    assert all(r.on_call for r in audience.recipients[2:])


def test_it_leaves_the_on_call_contact_alone_during_working_hours(service):
    on_call(service, "night")

    audience = step_recipients(deadline=clock(service=service), step="breach", at=WORKING)

    assert all(r.role != "on_call" for r in audience.recipients)


@pytest.mark.parametrize(
    "at",
    [
        datetime(2026, 9, 25, 11, 0, tzinfo=SEOUL),  # Chuseok, at what would be mid-morning
        datetime(2026, 10, 17, 11, 0, tzinfo=SEOUL),  # a Saturday
        datetime(2026, 10, 13, 8, 59, tzinfo=SEOUL),  # a minute before opening
    ],
)
def test_holidays_weekends_and_early_mornings_are_on_call_time(service, at):
    on_call(service, "night")

    audience = step_recipients(deadline=clock(service=service), step="reminder", at=at)

    assert ("on_call", "email", "night@example.com") in addresses(audience)


def test_only_the_contacts_effective_that_day_are_on_call(service):
    on_call(service, "gone", effective_from=date(2026, 1, 1), effective_until=date(2026, 10, 12))
    on_call(service, "today", effective_from=date(2026, 10, 13), effective_until=date(2026, 10, 13))
    on_call(service, "planned", effective_from=date(2026, 10, 14))

    audience = step_recipients(deadline=clock(service=service), step="reminder", at=NIGHT)

    assert [r.address for r in audience.recipients if r.channel == "email"] == [
        "owner@example.com",
        "today@example.com",
    ]


def test_an_on_call_contact_who_is_a_portal_user_reads_in_their_language(service):
    user = staff("engineer", language="en")
    on_call(service, "engineer-on-call", user=user, mobile="")

    audience = step_recipients(deadline=clock(service=service), step="reminder", at=NIGHT)

    contact = [r for r in audience.recipients if r.role == "on_call"]
    # No mobile number listed: the table's phone number is the one to text.
    assert [(r.channel, r.address, r.language, r.user) for r in contact] == [
        ("sms", "02-0000-1001", "en", user),
        ("email", "engineer-on-call@example.com", "en", user),
    ]


def test_it_notes_a_service_without_anyone_on_call(service):
    audience = step_recipients(deadline=clock(service=service), step="reminder", at=NIGHT)

    assert audience.notes == ["no on-call contact for this service outside working time"]
