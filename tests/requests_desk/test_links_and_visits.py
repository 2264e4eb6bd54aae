"""E-mail links that open the customer's case on the portal's real address, and visits as
they happen: never pre-agreed, and possibly before the request they led to."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from requests_desk.models import Activity, Request
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.public.support import COMPLAINT, complaint_data
from tests.requests_desk.views_support import text
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]


@pytest.fixture
def staff(client, demo_users):
    client.force_login(demo_users["staff"])
    return demo_users["staff"]


def test_the_acknowledgement_links_to_the_case_and_the_link_asks_only_for_the_e_mail(
    client, charter
):
    with at(2026, 12, 2, 10, 0):
        client.post(COMPLAINT, complaint_data())
    ack = Notification.objects.get(step="acknowledgement")
    code = Request.objects.get(pk=ack.subject_id).tracking_code
    assert f"/track/{code}/" in ack.body
    assert f"/en/track/{code}/" in ack.body
    assert "hong@example.com" not in ack.body

    client.session.flush()
    client.cookies.clear()
    opened = client.get(f"/track/{code}/")
    assert opened.status_code == 302
    form = client.get(opened["Location"])
    assert f'value="{code}"' in form.content.decode()  # the code is filled in already


def test_local_mode_links_use_the_port_the_portal_runs_on(settings, monkeypatch):
    from charter_portal.management.commands.run_local import Command

    monkeypatch.delenv("SITE_URL", raising=False)
    monkeypatch.setattr(settings, "LOCAL_MODE", True)
    Command().use_site_url("127.0.0.1:8123")
    assert settings.SITE_URL == "http://127.0.0.1:8123"
    Command().use_site_url("0.0.0.0:9000")  # SITE_URL is now set: kept as it is
    assert settings.SITE_URL == "http://127.0.0.1:8123"


def test_the_visit_form_does_not_agree_the_appointment_for_staff(client, staff):
    case = new_request(staff, assignee=staff, received_at=timezone.now() - timedelta(hours=1))

    page = client.get(f"/desk/requests/{case.pk}/").content.decode()

    box = page.split('name="visit-appointment_agreed"', 1)[1].split(">", 1)[0]
    assert "checked" not in box


def test_a_morning_visit_that_led_to_the_request_can_be_logged(client, staff):
    received = timezone.localtime() - timedelta(hours=1)
    case = new_request(staff, assignee=staff, received_at=received)
    visited = received - timedelta(hours=2)

    response = client.post(
        f"/desk/requests/{case.pk}/visit/",
        {
            "visit-appointment_agreed": "on",
            "visit-visited_at": visited.strftime("%Y-%m-%dT%H:%M"),
            "visit-results_explained_to": "Kim Example",
            "visit-summary": "Saw the fault on site; the request followed.",
            "visit-purpose": "result",
        },
    )

    assert response.status_code == 302
    visit = case.visits.get()
    assert visit.visited_at < case.received_at
    line = Activity.objects.get(request=case, kind="visit")
    assert line.data["stopped"] == []  # no clock had started yet
    assert "Saw the fault on site" in text(client.get(f"/desk/requests/{case.pk}/"))
