"""The admin: admins edit the organisation, calendars and catalogue; bad input is a form error."""

import json
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import (
    Calendar,
    Closure,
    Commitment,
    Contact,
    Division,
    Service,
    StaffProfile,
    WorkingHours,
)
from tests.factories import CommitmentFactory, DivisionFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(demo_users):
    return demo_users["admin"]


@pytest.fixture
def admin_client(client, admin_user):
    assert client.login(username="admin", password=settings.DEMO_PASSWORD)
    return client


def calendar_form(**fields) -> dict:
    """A valid add form for a calendar with Mon–Fri 09:00–18:00 and the given closures."""
    closures = fields.pop("closures", [])
    hours = fields.pop("hours", [(weekday, "09:00", "18:00") for weekday in range(5)])
    data = {
        "code": "test-calendar",
        "name_ko": "시험 달력",
        "name_en": "Test calendar",
        "time_zone": "Asia/Seoul",
        "holiday_source": "KR",
        "working_hours-TOTAL_FORMS": str(len(hours)),
        "working_hours-INITIAL_FORMS": "0",
        "working_hours-MIN_NUM_FORMS": "0",
        "working_hours-MAX_NUM_FORMS": "7",
        "closures-TOTAL_FORMS": str(len(closures)),
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
        **fields,
    }
    for i, (weekday, opens, closes) in enumerate(hours):
        data[f"working_hours-{i}-weekday"] = str(weekday)
        data[f"working_hours-{i}-opens"] = opens
        data[f"working_hours-{i}-closes"] = closes
    for i, (day, start, end) in enumerate(closures):
        data[f"closures-{i}-day"] = day
        data[f"closures-{i}-start"] = start
        data[f"closures-{i}-end"] = end
        data[f"closures-{i}-reason"] = "시험"
    return data


def commitment_form(commitment: Commitment | None = None, **changes) -> dict:
    """The change form of ``commitment`` as the admin would post it (or a valid new one)."""
    if commitment is None:
        data = {
            "code": "test.new-promise",
            "active": "on",
            "title_ko": "새 약속",
            "title_en": "A new promise",
            "promise_ko": "새로 약속합니다.",
            "promise_en": "We promise anew.",
            "target_kind": "business_hours",
            "target_minutes": "540",
            "stop_purposes": ["result"],
            "reminder_percents": "[50, 80]",
            "escalation_levels": "2",
        }
    else:
        data = {
            "code": commitment.code,
            "division": commitment.division.pk if commitment.division else "",
            "service": commitment.service.pk if commitment.service else "",
            "title_ko": commitment.title_ko,
            "title_en": commitment.title_en,
            "promise_ko": commitment.promise_ko,
            "promise_en": commitment.promise_en,
            "target_kind": commitment.target_kind,
            "stop_ko": commitment.stop_ko,
            "stop_en": commitment.stop_en,
            "stop_purposes": list(commitment.stop_purposes),
            "stop_channels": list(commitment.stop_channels),
            "stop_status": commitment.stop_status,
            "reminder_percents": json.dumps(commitment.reminder_percents),
            "escalation_levels": str(commitment.escalation_levels),
        }
        for name in (
            "target_minutes",
            "target_days",
            "target_months",
            "target_count",
            "escalation_2_after_minutes",
        ):
            value = getattr(commitment, name)
            data[name] = "" if value is None else str(value)
        for name in ("active", "pause_on_waiting", "urgent", "stop_on_delivery"):
            if getattr(commitment, name):
                data[name] = "on"
    data.update(changes)
    return data


def form_errors(response) -> dict:
    assert response.status_code == 200, "expected the form again, with errors"
    return response.context["adminform"].form.errors


def inline_errors(response, prefix: str) -> tuple[list, list]:
    """The per-form and the formset-wide errors of one inline of a refused admin form."""
    assert response.status_code == 200, "expected the form again, with errors"
    for inline in response.context["inline_admin_formsets"]:
        if inline.formset.prefix == prefix:
            return inline.formset.errors, inline.formset.non_form_errors()
    raise AssertionError(f"no inline {prefix}")


# --- Logging in and reading -------------------------------------------------------------------


def test_the_demo_admin_logs_in_with_the_demo_password(client, admin_user):
    response = client.post(
        "/admin/login/",
        {"username": "admin", "password": settings.DEMO_PASSWORD, "next": "/admin/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "/admin/commitments/commitment/" in response.content.decode()


def test_a_wrong_password_keeps_the_admin_closed(client, admin_user):
    response = client.post(
        "/admin/login/", {"username": "admin", "password": "wrong", "next": "/admin/"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert client.get("/admin/").status_code == 302


def test_the_admin_also_answers_in_english(admin_client):
    response = admin_client.get("/en/admin/")

    assert response.status_code == 200
    assert '<html lang="en"' in response.content.decode()


@pytest.mark.parametrize(
    ("model", "search", "filters", "expected"),
    [
        ("commitment", "feasibility", {"target_kind": "business_hours"}, "common.feasibility"),
        ("commitment", "", {"active__exact": "1", "urgent__exact": "0"}, "common.feasibility"),
        ("calendar", "krx", {"holiday_source": "XKRX"}, "krx-exchange"),
        ("contact", "example.com", {"on_call__exact": "1"}, "@example.com"),
        ("division", "market", {}, "market"),
        ("team", "net", {}, "net-support"),
        ("service", "net", {}, "net-trade-conclusions"),
        ("deadline", "common", {"state": "running"}, None),
        ("staffprofile", "staff", {}, None),
    ],
)
def test_admin_changelists_answer_with_search_and_filters(
    admin_client, model, search, filters, expected
):
    url = f"/admin/commitments/{model}/"

    assert admin_client.get(url).status_code == 200
    response = admin_client.get(url, {"q": search, **filters})

    assert response.status_code == 200
    assert "e=1" not in response.get("Location", ""), "the admin refused the filter"
    if expected is not None:
        assert response.context["cl"].result_count >= 1
        assert expected in response.content.decode()


def test_admin_changelists_filter_by_related_rows(admin_client):
    market = Division.objects.get(code="market")

    for model, lookup, value in [
        ("division", "calendar__id__exact", market.calendar_id),
        ("team", "division__id__exact", market.pk),
        ("service", "division__id__exact", market.pk),
        ("contact", "service__division__id__exact", market.pk),
        ("commitment", "division__id__exact", market.pk),
    ]:
        response = admin_client.get(f"/admin/commitments/{model}/", {lookup: value})
        assert response.status_code == 200, model
        assert response.context["cl"].result_count >= 1, model


def add_rows(model: str, n: int) -> None:
    """``n`` more rows of ``model``, each with its own related rows (different people …)."""
    market = Division.objects.get(code="market")
    for i in range(n):
        if model == "commitment":
            service = Service.objects.filter(division=market).first()
            CommitmentFactory(division=market, service=service)
        elif model == "division":
            DivisionFactory(calendar=market.calendar, head=UserFactory())
        elif model == "team":
            TeamFactory(division=market, manager=UserFactory())
        elif model == "service":
            team = TeamFactory(division=market, manager=UserFactory())
            Service.objects.create(
                code=f"extra-service-{i}",
                name_ko="추가",
                name_en="Extra",
                division=market,
                team=team,
            )
        elif model == "contact":
            service = Service.objects.create(
                code=f"extra-line-{i}", name_ko="추가", name_en="Extra", division=market
            )
            Contact.objects.create(
                service=service, name=f"가상 {i}", phone="02-0000-0000", email=f"x{i}@example.com"
            )
        elif model == "staffprofile":
            StaffProfile.objects.create(user=UserFactory())


@pytest.mark.parametrize(
    "model", ["commitment", "division", "team", "service", "contact", "staffprofile"]
)
def test_admin_changelist_queries_do_not_grow_with_the_rows(admin_client, model):
    url = f"/admin/commitments/{model}/"
    admin_client.get(url)  # warm up the session and content types
    with CaptureQueriesContext(connection) as before:
        assert admin_client.get(url).status_code == 200

    add_rows(model, 4)
    with CaptureQueriesContext(connection) as after:
        response = admin_client.get(url)

    assert response.status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries), [
        q["sql"] for q in after.captured_queries
    ]


def test_clocks_are_read_only_in_the_admin(admin_client):
    assert admin_client.get("/admin/commitments/deadline/add/").status_code == 403


# --- Calendars --------------------------------------------------------------------------------


def test_a_valid_calendar_with_part_day_closures_is_saved(admin_client):
    data = calendar_form(
        closures=[("2026-10-05", "09:00", "12:00"), ("2026-10-05", "13:00", "15:00")]
    )

    response = admin_client.post("/admin/commitments/calendar/add/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    calendar = Calendar.objects.get(code="test-calendar")
    assert calendar.working_hours.count() == 5
    assert calendar.closures.count() == 2


def test_working_hours_closing_before_opening_are_refused(admin_client):
    data = calendar_form(hours=[(0, "18:00", "09:00")])

    response = admin_client.post("/admin/commitments/calendar/add/", data)

    errors, _ = inline_errors(response, "working_hours")
    assert errors[0], "the working hours row has no error"
    assert not Calendar.objects.filter(code="test-calendar").exists()


def test_two_rows_for_the_same_weekday_are_refused(admin_client):
    data = calendar_form(hours=[(0, "09:00", "18:00"), (0, "10:00", "12:00")])

    response = admin_client.post("/admin/commitments/calendar/add/", data)

    errors, non_form = inline_errors(response, "working_hours")
    assert any(errors) or non_form
    assert not Calendar.objects.filter(code="test-calendar").exists()


def test_overlapping_closures_typed_into_one_form_are_refused(admin_client):
    data = calendar_form(closures=[("2026-10-05", "", ""), ("2026-10-05", "", "")])

    response = admin_client.post("/admin/commitments/calendar/add/", data)

    _, non_form = inline_errors(response, "closures")
    assert non_form
    assert not Calendar.objects.filter(code="test-calendar").exists()


def test_a_new_closure_overlapping_a_saved_one_is_refused(admin_client):
    calendar = Calendar.objects.get(code="kr-public")
    saved = Closure.objects.create(calendar=calendar, day="2026-10-06", reason="창립기념일")
    data = calendar_form(code=calendar.code, name_ko=calendar.name_ko, name_en=calendar.name_en) | {
        "working_hours-TOTAL_FORMS": "0",
        "working_hours-INITIAL_FORMS": "0",
        "closures-TOTAL_FORMS": "2",
        "closures-INITIAL_FORMS": "1",
        "closures-0-id": str(saved.pk),
        "closures-0-calendar": str(calendar.pk),
        "closures-0-day": "2026-10-06",
        "closures-0-reason": saved.reason,
        "closures-1-calendar": str(calendar.pk),
        "closures-1-day": "2026-10-06",
        "closures-1-start": "14:00",
        "closures-1-end": "16:00",
    }
    # Keep the existing working hours as they are.
    hours = list(calendar.working_hours.all())
    data["working_hours-TOTAL_FORMS"] = data["working_hours-INITIAL_FORMS"] = str(len(hours))
    for i, row in enumerate(hours):
        data[f"working_hours-{i}-id"] = str(row.pk)
        data[f"working_hours-{i}-calendar"] = str(calendar.pk)
        data[f"working_hours-{i}-weekday"] = str(row.weekday)
        data[f"working_hours-{i}-opens"] = row.opens.strftime("%H:%M")
        data[f"working_hours-{i}-closes"] = row.closes.strftime("%H:%M")

    response = admin_client.post(f"/admin/commitments/calendar/{calendar.pk}/change/", data)

    errors, non_form = inline_errors(response, "closures")
    assert non_form or any(errors)
    assert calendar.closures.count() == 1


def test_a_part_day_closure_needs_both_ends(admin_client):
    data = calendar_form(closures=[("2026-10-05", "09:00", "")])

    response = admin_client.post("/admin/commitments/calendar/add/", data)

    errors, _ = inline_errors(response, "closures")
    assert errors[0]


def test_an_unknown_holiday_source_is_refused(admin_client):
    response = admin_client.post(
        "/admin/commitments/calendar/add/", calendar_form(holiday_source="MARS")
    )

    assert "holiday_source" in form_errors(response)
    assert not Calendar.objects.filter(code="test-calendar").exists()


@pytest.mark.parametrize("zone", ["Asia/Atlantis", "../../etc/passwd", "KST+9"])
def test_an_unknown_time_zone_is_refused(admin_client, zone):
    response = admin_client.post("/admin/commitments/calendar/add/", calendar_form(time_zone=zone))

    assert "time_zone" in form_errors(response)
    assert not Calendar.objects.filter(code="test-calendar").exists()


# --- The catalogue ----------------------------------------------------------------------------


def test_a_valid_commitment_is_added(admin_client):
    response = admin_client.post("/admin/commitments/commitment/add/", commitment_form())

    assert response.status_code == 302, response.context and response.context["errors"]
    added = Commitment.objects.get(code="test.new-promise")
    assert added.target_minutes == 540
    assert added.reminder_percents == [50, 80]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target_minutes": "0"}, "target_minutes"),
        ({"target_minutes": "-5"}, "target_minutes"),
        ({"target_minutes": ""}, "target_minutes"),
        ({"target_minutes": "abc"}, "target_minutes"),
        ({"code": "common.feasibility"}, "code"),
        ({"code": "No Dots"}, "code"),
        ({"target_kind": "fortnightly"}, "target_kind"),
        ({"target_kind": "lead_time", "target_minutes": ""}, "target_days"),
        ({"escalation_levels": "3"}, "escalation_levels"),
        ({"target_minutes": "99999999999"}, "target_minutes"),
        ({"target_kind": "elapsed", "target_minutes": "2147483647"}, "target_minutes"),
        (
            {"target_kind": "calendar_days", "target_minutes": "", "target_days": "2147483647"},
            "target_days",
        ),
        (
            {"target_kind": "lead_time", "target_minutes": "", "target_months": "1200"},
            "target_months",
        ),
        ({"reminder_percents": "[50, 150]"}, "reminder_percents"),
        ({"reminder_percents": "not json"}, "reminder_percents"),
        ({"stop_purposes": ["sing"]}, "stop_purposes"),
        ({"stop_channels": ["pigeon"]}, "stop_channels"),
        ({"stop_channels": ["phone"], "stop_on_delivery": "on"}, "stop_on_delivery"),
        ({"stop_status": "whenever"}, "stop_status"),
        ({"target_count": "3"}, "target_count"),
        ({"escalation_2_after_minutes": "99999999"}, "escalation_2_after_minutes"),
        (
            {
                "target_kind": "lead_time",
                "target_minutes": "",
                "target_days": "7",
                "pause_on_waiting": "on",
            },
            "pause_on_waiting",
        ),
    ],
)
def test_a_bad_commitment_is_refused_with_a_field_error(admin_client, changes, field):
    response = admin_client.post("/admin/commitments/commitment/add/", commitment_form(**changes))

    assert field in form_errors(response)
    assert Commitment.objects.count() == 38


def test_an_edit_is_kept_in_history_with_the_admin_who_made_it(admin_client, admin_user):
    commitment = Commitment.objects.get(code="common.feasibility")
    before = commitment.history.count()

    response = admin_client.post(
        f"/admin/commitments/commitment/{commitment.pk}/change/",
        commitment_form(commitment, title_ko="수용 여부 통보 (개정)", target_minutes="600"),
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    commitment.refresh_from_db()
    assert commitment.title_ko == "수용 여부 통보 (개정)"
    assert commitment.history.count() == before + 1
    latest = commitment.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == admin_user
    assert latest.title_ko == "수용 여부 통보 (개정)"
    assert latest.target_minutes == 600
    assert latest.prev_record.title_ko != latest.title_ko

    history_page = admin_client.get(f"/admin/commitments/commitment/{commitment.pk}/history/")
    assert history_page.status_code == 200
    assert "admin" in history_page.content.decode()


def test_a_contact_edit_is_kept_in_history(admin_client, admin_user):
    contact = Contact.objects.order_by("pk").first()
    data = {
        "service": contact.service_id,
        "name": contact.name,
        "title": contact.title,
        "role": contact.role,
        "phone": "02-0000-9999",
        "mobile": contact.mobile,
        "email": contact.email,
        "effective_from": contact.effective_from.isoformat(),
        "effective_until": "",
        "user": "",
    }

    response = admin_client.post(f"/admin/commitments/contact/{contact.pk}/change/", data)

    assert response.status_code == 302, response.context and response.context["errors"]
    assert contact.history.first().history_user == admin_user
    assert contact.history.first().phone == "02-0000-9999"


def test_a_contact_with_a_bad_phone_or_reversed_dates_is_refused(admin_client):
    contact = Contact.objects.order_by("pk").first()
    data = {
        "service": contact.service_id,
        "name": contact.name,
        "role": contact.role,
        "phone": "call me maybe",
        "email": "not-an-email",
        "effective_from": "2026-06-01",
        "effective_until": "2026-01-01",
    }

    response = admin_client.post(f"/admin/commitments/contact/{contact.pk}/change/", data)

    errors = form_errors(response)
    assert {"phone", "email", "effective_until"} <= set(errors)


def test_the_acts_that_keep_a_promise_are_a_checklist_not_json(admin_client):
    sms = Commitment.objects.get(code="bcp.trouble-sms")

    page = admin_client.get(f"/en/admin/commitments/commitment/{sms.pk}/change/").content.decode()

    assert 'type="checkbox" name="stop_purposes" value="plan"' in page
    assert 'type="checkbox" name="stop_channels" value="sms"' in page
    assert re.search(r'name="stop_channels" value="sms"[^>]*checked', page)
    assert not re.search(r'name="stop_channels" value="phone"[^>]*checked', page)

    response = admin_client.post(
        f"/admin/commitments/commitment/{sms.pk}/change/",
        commitment_form(sms, stop_channels=["sms", "email"], stop_on_delivery="on"),
    )

    assert response.status_code == 302
    sms.refresh_from_db()
    assert sms.stop_channels == ["email", "sms"] or sms.stop_channels == ["sms", "email"]
    assert sms.stop_on_delivery is True


def test_working_hours_rows_keep_their_own_history(admin_client):
    calendar = Calendar.objects.get(code="kr-public")
    assert WorkingHours.history.filter(calendar_id=calendar.pk).count() == 5


@pytest.mark.parametrize("cleared", ["", "null"])
def test_clearing_the_reminders_and_stop_purposes_means_none_not_an_error(admin_client, cleared):
    response = admin_client.post(
        "/admin/commitments/commitment/add/",
        # Unticking every purpose posts none of its checkboxes.
        commitment_form(reminder_percents=cleared, stop_purposes=[]),
    )

    assert response.status_code == 302
    added = Commitment.objects.get(code="test.new-promise")
    assert added.reminder_percents == []
    assert added.stop_purposes == []


def test_a_calendar_without_any_working_hours_is_refused(admin_client):
    response = admin_client.post("/en/admin/commitments/calendar/add/", calendar_form(hours=[]))

    assert response.status_code == 200
    assert "A calendar needs working hours on at least one weekday." in response.content.decode()
    assert not Calendar.objects.filter(code="test-calendar").exists()


def test_clocks_cannot_be_deleted_in_the_admin(admin_client):
    response = admin_client.get("/admin/commitments/deadline/")
    assert response.status_code == 200
    assert 'value="delete_selected"' not in response.content.decode()
