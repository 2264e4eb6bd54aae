"""Outages degrade, never fail: with Redis unreachable (the cache pointed at a closed loopback
port, which refuses connections exactly as a stopped redis-server does) the public forms still
take and store valid submissions, the desk works, and nothing answers a bare 500."""

import json
import logging
import socket

import pytest
from django.db import connection
from django.test import Client, RequestFactory, override_settings

from charter_portal.outages import OutageMiddleware
from requests_desk.homepage.services import abuse
from requests_desk.models import Request
from tests.requests_desk.public.support import (
    API_COMPLAINTS,
    COMPLAINT,
    api_complaint,
    complaint_data,
)
from tests.requests_desk.views_support import signed_in_member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down():
    url = f"redis://127.0.0.1:{closed_port()}/0"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    abuse._local_counts.clear()
    with override_settings(CACHES=caches):
        yield url
    abuse._local_counts.clear()


def test_the_complaint_form_stores_a_valid_submission_while_redis_is_down(redis_down, caplog):
    with caplog.at_level(logging.WARNING, logger="requests_desk.homepage.services.abuse"):
        response = Client(REMOTE_ADDR="192.0.2.10").post(
            COMPLAINT, complaint_data(email="outage@example.com")
        )

    assert response.status_code == 302
    assert response["Location"] == "/complaint/done/"
    assert Request.objects.filter(customer__email="outage@example.com").count() == 1
    assert "shared cache is unreachable" in caplog.text


def test_the_public_api_stores_a_valid_complaint_while_redis_is_down(redis_down):
    response = Client(REMOTE_ADDR="192.0.2.11").post(
        API_COMPLAINTS,
        api_complaint(email="api-outage@example.com"),
        content_type="application/json",
    )

    assert response.status_code == 201, response.content
    code = response.json()["tracking_code"]
    assert Request.objects.get(tracking_code=code).customer.email == "api-outage@example.com"


def test_while_redis_is_down_the_limits_still_hold_counted_in_the_process(redis_down, settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 2
    client = Client(REMOTE_ADDR="192.0.2.12")
    for n in range(2):
        assert client.post(COMPLAINT, complaint_data(email=f"p{n}@example.com")).status_code == 302

    refused = client.post(COMPLAINT, complaint_data(email="p9@example.com"))

    assert refused.status_code == 429
    assert Request.objects.filter(customer__email="p9@example.com").count() == 0


def test_the_desk_and_the_scorecard_work_while_redis_is_down(redis_down, client):
    signed_in_member(client, "outage-staff")

    assert client.get("/desk/").status_code == 200
    assert client.get("/charter/scorecard/").status_code == 200


# --- A part that is down answers 503 with Retry-After, never a bare 500 ----------------------


def real_database_error() -> Exception:
    """The error psycopg2 really raises for a PostgreSQL that does not answer, as Django wraps
    it (django.db.OperationalError)."""
    import psycopg2
    from django.db import OperationalError
    from django.db.utils import DatabaseErrorWrapper

    try:
        psycopg2.connect(host="127.0.0.1", port=closed_port(), connect_timeout=2)
    except psycopg2.OperationalError as exc:
        try:
            with DatabaseErrorWrapper(connection):
                raise exc
        except OperationalError as wrapped:
            return wrapped
    raise AssertionError("a closed port answered")


def raising(exc):
    def view(request):
        raise exc

    return view


@pytest.mark.parametrize("path", ["/api/v1/requests/", "/desk/"])
def test_a_database_outage_is_a_503_with_retry_after(path, caplog):
    request = RequestFactory().get(path)
    middleware = OutageMiddleware(raising(real_database_error()))

    response = middleware.process_exception(request, real_database_error())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    if path.startswith("/api/"):
        assert "detail" in json.loads(response.content)
    assert "answered 503 (OperationalError" in caplog.text


def test_a_redis_outage_is_a_503_too():
    import redis

    try:
        redis.Redis(port=closed_port(), socket_connect_timeout=1).ping()
    except redis.ConnectionError as exc:
        error = exc
    response = OutageMiddleware(lambda r: None).process_exception(
        RequestFactory().post("/complaint/"), error
    )

    assert response.status_code == 503


def test_any_other_error_is_left_alone():
    middleware = OutageMiddleware(lambda r: None)

    assert middleware.process_exception(RequestFactory().get("/"), ValueError("x")) is None


def test_the_outage_middleware_is_installed_innermost(settings):
    # django-axes asks to be last; it only turns a refused sign-in into its lockout page and has
    # no process_exception, so a view's error still reaches the outage middleware first.
    from axes.middleware import AxesMiddleware

    assert not hasattr(AxesMiddleware, "process_exception")
    others = [name for name in settings.MIDDLEWARE if name != "axes.middleware.AxesMiddleware"]
    assert others[-1] == "charter_portal.outages.OutageMiddleware"
