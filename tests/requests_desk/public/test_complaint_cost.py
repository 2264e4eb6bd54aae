"""What a public complaint costs the database: a bounded number of queries (the HTML form and
the API) that does not grow with the data, a clock start that reuses the frozen terms instead
of freezing them again, and the catalogue remembered between complaints until it changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from commitments.models import ClockTerms, Commitment, Deadline, Service
from requests_desk.models import ClockRule, Request
from tests.requests_desk.public.support import (
    API_COMPLAINTS,
    COMPLAINT,
    api_complaint,
    complaint_data,
    forget_rate_limits,
    text,
)
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

#: Queries of one complaint once the clocks' terms are frozen and the catalogue remembered
#: (the test's own savepoint around the request's transaction included, 2): the organisation
#: with its contact of that e-mail looked up, the customer written (unless a concurrent
#: complaint from the same address wrote them a moment ago), the request with its next due
#: instant, its note, the two clocks, their two events, the acknowledgement (written unless
#: already written), the submission.
MAX_QUERIES = 10


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

    with django_assert_max_num_queries(MAX_QUERIES + 1):  # + the new session's INSERT
        response = client.post(COMPLAINT, complaint_data(email="lee@example.com"))

    assert response.status_code == 302
    assert Request.objects.count() == 2

    with django_assert_max_num_queries(MAX_QUERIES + 2):  # + the session read and written
        response = client.post(COMPLAINT, complaint_data(email="park@example.com"))

    assert response.status_code == 302
    assert Request.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_form_complaint_and_the_session_that_remembers_it_commit_together(client):
    client.get(COMPLAINT)
    client.post(COMPLAINT, complaint_data(email="first@example.com"))  # the session exists

    with CaptureQueriesContext(connection) as captured:
        response = client.post(COMPLAINT, complaint_data(email="second@example.com"))

    assert response.status_code == 302
    sql = [query["sql"] for query in captured.captured_queries]
    commits = [index for index, query in enumerate(sql) if query == "COMMIT"]
    request = next(
        i for i, q in enumerate(sql) if q.startswith('INSERT INTO "requests_desk_request"')
    )
    sessions = [i for i, q in enumerate(sql) if q.startswith('UPDATE "django_session"')]
    assert len(commits) == 1, sql
    assert len(sessions) == 1, sql
    assert request < sessions[0] < commits[0]
    case = Request.objects.get(customer__email="second@example.com")
    done = client.get(response["Location"])
    assert case.tracking_code in text(done)


def test_a_visitor_whose_session_ended_meanwhile_keeps_the_complaint_and_a_new_session(
    client, monkeypatch
):
    from django.contrib.sessions.models import Session

    from requests_desk.homepage.views import public

    client.get(COMPLAINT)
    client.post(COMPLAINT, complaint_data(email="first@example.com"))
    ended = client.cookies["sessionid"].value
    submit = public.complaint_submit

    def submit_while_the_session_ends(**fields):
        case = submit(**fields)
        Session.objects.filter(session_key=ended).delete()  # signed out elsewhere, expired …
        return case

    monkeypatch.setattr(public, "complaint_submit", submit_while_the_session_ends)
    response = client.post(COMPLAINT, complaint_data(email="second@example.com"))

    assert response.status_code == 302
    case = Request.objects.get(customer__email="second@example.com")
    assert client.cookies["sessionid"].value != ended
    assert case.tracking_code in text(client.get(response["Location"]))


#: Calls to Redis of one complaint (the Celery task's publication aside): the anonymous API
#: throttle's history read and written, the address and (e-mail, network) limits counted in
#: one call, the e-mail's limits in another, the catalogue's version read once.
MAX_REDIS_CALLS = 5


class RedisCalls:
    """Counts the commands sent to Redis (a pipeline or a script is one) by the portal's cache,
    not Celery's publication of the delivery task (its own connection, after the commit)."""

    def __init__(self, monkeypatch):
        import redis.connection

        self.commands: list[bytes] = []
        real = redis.connection.Connection.send_packed_command

        def counted(connection, command, *args, **kwargs):
            first = command if isinstance(command, bytes) else b"".join(command)
            self.commands.append(first[:80])
            return real(connection, command, *args, **kwargs)

        monkeypatch.setattr(redis.connection.Connection, "send_packed_command", counted)


def test_an_api_complaint_makes_a_handful_of_calls_to_redis(
    django_capture_on_commit_callbacks, monkeypatch
):
    first_complaint(django_capture_on_commit_callbacks)
    calls = RedisCalls(monkeypatch)

    response = APIClient().post(
        API_COMPLAINTS, api_complaint(email="redis@example.com"), format="json"
    )

    assert response.status_code == 201
    assert len(calls.commands) <= MAX_REDIS_CALLS, calls.commands


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


def api_complaint_queries(email: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = APIClient().post(API_COMPLAINTS, api_complaint(email=email), format="json")
    assert response.status_code == 201
    return len(captured.captured_queries)


def test_a_complaint_runs_the_same_queries_with_2_or_42_requests_and_customers(
    django_capture_on_commit_callbacks,
):
    first_complaint(django_capture_on_commit_callbacks)
    few = api_complaint_queries("few@example.com")
    for index in range(40):
        forget_rate_limits()
        with django_capture_on_commit_callbacks(execute=True):
            APIClient().post(
                API_COMPLAINTS, api_complaint(email=f"customer{index}@example.com"), format="json"
            )

    many = api_complaint_queries("many@example.com")

    assert Request.objects.count() == 43
    assert many == few
    assert many <= MAX_QUERIES


def test_the_customer_is_looked_up_by_indexes_on_organisation_and_email():
    # A complaint's customer is found by organisation name and e-mail, both case-insensitively
    # (customer_find_or_create): without these an organisation with many contacts had each of
    # them read (4 ms with 4,000). The plan PostgreSQL picks depends on a table's statistics;
    # here: the indexes exist, on the expressions the look-up compares.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname IN (%s, %s)",
            ["contact_organisation_email", "organisation_name_upper"],
        )
        indexes = dict(cursor.fetchall())

    assert "(organisation_id, upper((email)::text))" in indexes["contact_organisation_email"]
    assert "(upper((name)::text))" in indexes["organisation_name_upper"]


def clocks_of(email: str) -> set[str]:
    request = Request.objects.get(customer__email=email)
    return set(
        Deadline.objects.filter(subject_id=str(request.pk)).values_list(
            "commitment_code", flat=True
        )
    )


def test_a_clock_rule_switched_off_after_a_complaint_is_not_owed_by_the_next(
    django_capture_on_commit_callbacks,
):
    first_complaint(django_capture_on_commit_callbacks)
    assert "voice.complaint-feedback" in clocks_of("hong@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        for rule in ClockRule.objects.filter(commitment__code="voice.complaint-feedback"):
            rule.active = False
            rule.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = APIClient().post(
            API_COMPLAINTS, api_complaint(email="jung@example.com"), format="json"
        )

    assert response.status_code == 201
    assert "voice.complaint-feedback" not in clocks_of("jung@example.com")
    assert "common.homepage-input" in clocks_of("jung@example.com")


def test_a_service_renamed_after_the_form_was_shown_is_offered_by_its_new_name(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.get(COMPLAINT)
    service = Service.objects.order_by("code").first()
    with django_capture_on_commit_callbacks(execute=True):
        service.name_ko, service.name_en = "새 이름의 서비스", "Renamed service"
        service.save()

    page = text(client.get(COMPLAINT))

    assert "새 이름의 서비스" in page


def test_a_complaint_about_a_service_goes_to_its_team_once_it_is_remembered(
    django_capture_on_commit_callbacks,
):
    service = Service.objects.exclude(team=None).order_by("code").first()
    first_complaint(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        APIClient().post(
            API_COMPLAINTS,
            api_complaint(email="yoon@example.com", service=service.code),
            format="json",
        )

    response = APIClient().post(
        API_COMPLAINTS, api_complaint(email="kang@example.com", service=service.code), format="json"
    )

    assert response.status_code == 201
    request = Request.objects.get(customer__email="kang@example.com")
    assert (request.service, request.team, request.division) == (
        service,
        service.team,
        service.division,
    )


@pytest.mark.parametrize("service", ["", "first"], ids=["not sure", "a service"])
def test_after_a_web_workers_warm_up_its_first_complaint_reads_no_catalogue(
    service, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    from charter_portal import warm
    from commitments.memo import catalogue_forget

    code = Service.objects.order_by("code").first().code if service else ""
    # Without it, the first complaint reads the rules and freezes its clocks' terms.
    catalogue_forget()
    with CaptureQueriesContext(connection) as cold:
        response = APIClient().post(API_COMPLAINTS, api_complaint(service=code), format="json")
    assert response.status_code == 201
    assert len(cold.captured_queries) > MAX_QUERIES + 4

    catalogue_forget()
    with django_capture_on_commit_callbacks(execute=True):  # as a worker starting
        warm.catalogue_warm_up()

    with django_assert_max_num_queries(MAX_QUERIES):
        response = APIClient().post(
            API_COMPLAINTS, api_complaint(service=code, email="kim@example.com"), format="json"
        )
    assert response.status_code == 201
    assert Request.objects.filter(service__code=code or None).count() == 2
