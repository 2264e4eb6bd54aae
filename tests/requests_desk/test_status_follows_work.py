"""The status follows the work: the first time the customer hears from us, a new request is in
progress — on the desk, on its timeline and on the customer's tracking page."""

import pytest

from commitments.models import Team
from requests_desk.models import Activity, Request
from tests.factories import UserFactory
from tests.requests_desk.public.support import COMPLAINT, TRACK, complaint_data, text
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


@pytest.fixture
def staff():
    user = UserFactory(username="work.staff")
    Team.objects.get(code="net-support").members.add(user)
    return user


@pytest.fixture
def case(client):
    with at(2026, 12, 2, 10, 0):
        client.post(COMPLAINT, complaint_data())
    client.session.flush()
    client.cookies.clear()
    return Request.objects.get()


def tell(client, staff, case, purpose="feasibility", hour=11):
    client.force_login(staff)
    with at(2026, 12, 2, hour, 0):
        response = client.post(
            f"/desk/requests/{case.pk}/communicate/",
            {
                "communicate-purpose": purpose,
                "communicate-channel": "phone",
                "communicate-summary": "We can do it in three days.",
                "communicate-told_person": "Hong",
            },
        )
    client.logout()
    return response


def test_the_first_answer_moves_a_new_case_to_in_progress_and_the_customer_sees_it(
    client, staff, case
):
    assert case.status == "new"

    assert tell(client, staff, case).status_code == 302

    case.refresh_from_db()
    assert case.status == "in_progress"
    moved = Activity.objects.get(request=case, kind="status")
    assert (moved.from_status, moved.to_status, moved.event) == (
        "new",
        "in_progress",
        "work_started",
    )
    with at(2026, 12, 2, 11, 30):
        found = client.post(
            TRACK, {"tracking_code": case.tracking_code, "email": "hong@example.com"}
        )
        page = text(client.get(found["Location"]))
    assert 'data-status="in_progress"' in page
    assert "처리 중" in page
    assert "요청을 처리하고 있습니다" in page


def test_a_case_someone_already_moved_keeps_its_status(client, staff, case):
    client.force_login(staff)
    with at(2026, 12, 2, 10, 30):
        client.post(
            f"/desk/requests/{case.pk}/status/",
            {"status-status": "waiting", "status-version": case.version},
        )
    case.refresh_from_db()
    if case.status != "waiting":  # the status form's fields, read from the page
        pytest.fail("could not set up a waiting case")

    tell(client, staff, case, hour=11)

    case.refresh_from_db()
    assert case.status == "waiting"
    assert Activity.objects.filter(request=case, kind="status").count() == 1
