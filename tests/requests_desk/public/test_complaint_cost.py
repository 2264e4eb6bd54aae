"""What a public complaint costs the database: a bounded number of queries (the HTML form and
the API), and a clock start that reuses the frozen terms instead of freezing them again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commitments.models import ClockTerms, Commitment, Deadline
from requests_desk.models import Request
from tests.requests_desk.public.support import (
    API_COMPLAINTS,
    COMPLAINT,
    api_complaint,
    complaint_data,
    forget_rate_limits,
)
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

#: Queries of one complaint once the clocks' terms are frozen (the test's own savepoint
#: around the request's transaction included): customer, request, its note, two clocks
#: with their events, the acknowledgement, the submission.
MAX_QUERIES = 25


@pytest.fixture(autouse=True)
def _tuesday():
    forget_rate_limits()
    with at(2026, 12, 1, 10, 0):
        yield
    forget_rate_limits()


def first_complaint(django_capture_on_commit_callbacks):
    """One complaint, committed as far as the terms' memory is concerned."""
    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(API_COMPLAINTS, api_complaint(), format="json")
    assert response.status_code == 201


def test_an_api_complaint_runs_a_bounded_number_of_queries(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first_complaint(django_capture_on_commit_callbacks)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = APIClient().post(
            API_COMPLAINTS, api_complaint(email="kim@example.com"), format="json"
        )

    assert response.status_code == 201
    assert Request.objects.count() == 2


def test_a_form_complaint_runs_a_bounded_number_of_queries(
    client, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    first_complaint(django_capture_on_commit_callbacks)
    client.get(COMPLAINT)

    with django_assert_max_num_queries(MAX_QUERIES + 4):  # + the session, saved after
        response = client.post(COMPLAINT, complaint_data(email="lee@example.com"))

    assert response.status_code == 302
    assert Request.objects.count() == 2


def test_a_second_clock_reuses_the_frozen_terms_without_reading_calendars(
    django_capture_on_commit_callbacks,
):
    first_complaint(django_capture_on_commit_callbacks)
    terms = set(ClockTerms.objects.values_list("pk", flat=True))

    with CaptureQueriesContext(connection) as captured:
        response = APIClient().post(
            API_COMPLAINTS, api_complaint(email="park@example.com"), format="json"
        )

    assert response.status_code == 201
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    assert "commitments_clockterms" not in sql
    assert "commitments_workinghours" not in sql
    assert "commitments_closure" not in sql
    second = Request.objects.get(customer__email="park@example.com")
    used = set(
        Deadline.objects.filter(subject_id=str(second.pk)).values_list("terms_id", flat=True)
    )
    assert used
    assert used <= terms


def test_a_changed_commitment_freezes_new_terms(django_capture_on_commit_callbacks):
    first_complaint(django_capture_on_commit_callbacks)
    commitment = Commitment.objects.get(code="common.homepage-input")
    before = Deadline.objects.get(commitment=commitment).terms_id
    commitment.target_minutes = (commitment.target_minutes or 0) + 60
    commitment.save()

    response = APIClient().post(
        API_COMPLAINTS, api_complaint(email="choi@example.com"), format="json"
    )

    assert response.status_code == 201
    second = Request.objects.get(customer__email="choi@example.com")
    after = Deadline.objects.get(commitment=commitment, subject_id=str(second.pk))
    assert after.terms_id != before
    assert after.terms.params["minutes"] == commitment.target_minutes
