"""No input a caller can send is a 500: ids that are not numbers, digits ``int()`` refuses, JSON
nested a thousand levels deep, and bodies sent chunked without a ``Content-Length``."""

import io
import json

import pytest
from django.test.client import ClientHandler
from rest_framework.test import APIClient

from requests_desk.models import Request
from tests.requests_desk.api_support import create, url
from tests.requests_desk.public.support import API_COMPLAINTS, api_complaint, forget_rate_limits
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

DEEP = "[" * 1000 + "]" * 1000


@pytest.fixture(autouse=True)
def fresh_limits():
    forget_rate_limits()
    yield
    forget_rate_limits()


@pytest.fixture
def now():
    with at(2026, 9, 23, 16, 0):
        yield


def test_publishing_an_announcement_that_is_not_a_number_is_a_404(admin):
    response = admin.post("/api/v1/announcements/abc/publish/")

    assert response.status_code == 404, response.content


@pytest.mark.parametrize("to", ["³", "①", "٣", "99999999999999999999999"])
def test_a_transfer_to_digits_int_refuses_is_a_field_error(api, now, to):
    created = create(api)

    response = api.post(
        url(created, "transfer/"), {"to": to, "handoff_note": "Over to you."}, format="json"
    )

    assert response.status_code == 400, response.content
    assert "to" in response.json()


def test_a_contact_prefill_with_unicode_digits_is_ignored(people):
    client = APIClient()
    client.force_login(people["staff"])

    response = client.get("/desk/new/", {"contact": "³"})

    assert response.status_code == 200


def test_json_nested_a_thousand_levels_is_a_400_on_the_desk_api(api):
    response = api.post("/api/v1/requests/", DEEP, content_type="application/json")

    assert response.status_code == 400, response.content
    assert "deep" in response.json()["detail"]


def test_json_nested_a_thousand_levels_is_a_400_on_the_anonymous_complaint_form():
    body = '{"name": ' + DEEP + "}"

    response = APIClient().post(API_COMPLAINTS, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert not Request.objects.exists()


def test_json_a_little_deeper_than_the_bound_is_refused_too(api):
    body = '{"subject": ' + "[" * 33 + '"x"' + "]" * 33 + "}"

    response = api.post("/api/v1/requests/", body, content_type="application/json")

    assert response.status_code == 400


# --- Chunked bodies: what a WSGI server such as gunicorn hands Django --------------------------


def send_chunked(path: str, body: bytes, *, terminated: bool = True):
    """POST ``body`` the way gunicorn passes a chunked request on: de-chunked on
    ``wsgi.input``, ``Transfer-Encoding: chunked``, no ``CONTENT_LENGTH``."""
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": "application/json",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "HTTP_HOST": "testserver",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if terminated:
        environ["wsgi.input_terminated"] = True
    return ClientHandler(enforce_csrf_checks=True)(environ)


def test_a_valid_complaint_sent_chunked_is_read_and_stored():
    body = json.dumps(api_complaint()).encode()

    response = send_chunked(API_COMPLAINTS, body)

    assert response.status_code == 201, response.content
    assert Request.objects.get().subject == api_complaint()["subject"]


def test_a_chunked_body_over_the_limit_is_a_413(settings):
    settings.CHARTER_MAX_BODY_BYTES = 2048
    body = json.dumps(api_complaint(message="가" * 3000)).encode()

    response = send_chunked(API_COMPLAINTS, body)

    assert response.status_code == 413
    assert not Request.objects.exists()


def test_a_chunked_body_a_server_cannot_delimit_is_a_411():
    response = send_chunked(API_COMPLAINTS, json.dumps(api_complaint()).encode(), terminated=False)

    assert response.status_code == 411
    assert "Content-Length" in json.loads(response.content)["detail"]
