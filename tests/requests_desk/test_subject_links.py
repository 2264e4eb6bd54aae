"""A clock's link to its subject is resolved when it is shown, from the subject's type and id:
the desk registers the pages that show requests and notices."""

import pytest
from django.utils import translation

from commitments.subjects import REQUEST_SUBJECT, subject_path
from notifications.notices.services import ANNOUNCEMENT_SUBJECT, SUSPENSION_SUBJECT
from tests.requests_desk.desk_support import clock, member_of, new_request
from tests.seoul import at

pytestmark = pytest.mark.usefixtures("charter")


def test_a_request_clock_links_to_the_request_page_in_the_readers_language():
    staff = member_of("net-support")
    with at(2026, 9, 23, 15, 0):
        request = new_request(staff)
    feasibility = clock(request, "common.feasibility")

    with translation.override("ko"):
        assert feasibility.subject_path == f"/desk/requests/{request.pk}/"
    with translation.override("en"):
        assert feasibility.subject_path == f"/en/desk/requests/{request.pk}/"


def test_the_desk_shows_suspensions_and_announcements():
    with translation.override("ko"):
        assert subject_path(subject_type=SUSPENSION_SUBJECT, subject_id=5) == (
            "/desk/notices/suspensions/5/"
        )
        assert subject_path(subject_type=ANNOUNCEMENT_SUBJECT, subject_id="6") == (
            "/desk/notices/announcements/6/"
        )


def test_a_subject_no_page_shows_has_no_link():
    assert subject_path(subject_type="test", subject_id=1) == ""
    # A request's page takes a number: anything else is shown without a link.
    assert subject_path(subject_type=REQUEST_SUBJECT, subject_id="not-a-number") == ""
