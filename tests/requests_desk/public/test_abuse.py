"""Abuse resistance of the public forms: rate limits, the honeypot, CSRF, redirects, headers."""

import re

import pytest
from django.test import Client

from requests_desk.models import Request
from tests.factories import UserFactory
from tests.requests_desk.public.support import (
    COMMEND,
    COMPLAINT,
    TRACK,
    complaint_data,
    text,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


def test_the_defaults_are_20_per_address_per_hour_and_240_per_day(settings):
    assert settings.CHARTER_PUBLIC_PER_IP_HOUR == 20
    assert settings.CHARTER_PUBLIC_PER_IP_DAY == 240


def test_a_flood_from_one_address_is_refused_after_the_limit_and_none_before_is_dropped(
    client, settings
):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 3
    for n in range(3):
        response = client.post(COMPLAINT, complaint_data(email=f"c{n}@example.com"))
        assert response.status_code == 302, n
    assert Request.objects.count() == 3

    refused = client.post("/en" + COMPLAINT, complaint_data(email="c9@example.com"))

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    page = text(refused)
    assert "Too many submissions from your address or e-mail" in page
    assert 'value="c9@example.com"' in page  # what was typed is still there
    assert Request.objects.count() == 3
    # Another address is not held back by this one.
    other = Client(REMOTE_ADDR="192.0.2.77")
    assert other.post(COMPLAINT, complaint_data(email="d@example.com")).status_code == 302


def test_the_day_limit_counts_too(client, settings):
    settings.CHARTER_PUBLIC_PER_IP_DAY = 2
    client.post(COMPLAINT, complaint_data())
    client.post(COMPLAINT, complaint_data())

    assert client.post(COMPLAINT, complaint_data()).status_code == 429


def test_one_e_mail_from_many_addresses_is_limited_too(settings):
    settings.CHARTER_PUBLIC_PER_EMAIL_HOUR = 2
    for n in range(2):
        response = Client(REMOTE_ADDR=f"192.0.2.{n}").post(COMPLAINT, complaint_data())
        assert response.status_code == 302

    refused = Client(REMOTE_ADDR="192.0.2.99").post(COMPLAINT, complaint_data())

    assert refused.status_code == 429
    assert Request.objects.count() == 2


def test_behind_a_trusted_proxy_each_client_is_counted_not_the_proxy(settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 2
    settings.CHARTER_PUBLIC_PER_EMAIL_HOUR = 100
    settings.CHARTER_TRUSTED_PROXIES = ["10.0.0.0/8"]

    def via_proxy(client_address, email, forged=""):
        chain = f"{forged}, {client_address}, 10.0.0.3" if forged else f"{client_address}, 10.0.0.3"
        proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=chain)
        return proxy.post(COMPLAINT, complaint_data(email=email))

    for n in range(2):
        assert via_proxy("203.0.113.5", f"a{n}@example.com").status_code == 302
    # The same client again, whatever it writes at the left of the header: refused.
    assert via_proxy("203.0.113.5", "a9@example.com", forged="198.51.100.1").status_code == 429
    # Other clients behind the same proxy are not held back.
    assert via_proxy("203.0.113.6", "b@example.com").status_code == 302
    # An untrusted peer's header is ignored: it is counted as itself.
    direct = Client(REMOTE_ADDR="192.0.2.50", HTTP_X_FORWARDED_FOR="203.0.113.7")
    for n in range(2):
        assert direct.post(COMPLAINT, complaint_data(email=f"c{n}@example.com")).status_code == 302
    assert direct.post(COMPLAINT, complaint_data(email="c9@example.com")).status_code == 429


def test_an_ipv6_client_counts_as_its_64_network(settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 2
    settings.CHARTER_PUBLIC_PER_EMAIL_HOUR = 100
    for n in range(2):
        client = Client(REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")
        assert client.post(COMPLAINT, complaint_data(email=f"v{n}@example.com")).status_code == 302

    same_network = Client(REMOTE_ADDR="2001:db8:1:2:ffff::9")
    other_network = Client(REMOTE_ADDR="2001:db8:1:3::1")

    assert same_network.post(COMPLAINT, complaint_data(email="v8@example.com")).status_code == 429
    assert other_network.post(COMPLAINT, complaint_data(email="v9@example.com")).status_code == 302


def test_the_limit_covers_every_public_form(client, settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 1
    client.post(COMPLAINT, complaint_data())

    assert client.post(COMMEND, {"employee_name": "x"}).status_code == 429


def test_a_honeypot_hit_gets_a_believable_confirmation_creates_nothing_and_counts(client, settings):
    settings.CHARTER_PUBLIC_PER_IP_HOUR = 1

    response = client.post(COMPLAINT, complaint_data(website="http://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == "/complaint/done/"
    done = text(client.get("/complaint/done/"))
    code = re.search(r'id="tracking-code">([A-Z0-9]+)<', done).group(1)
    assert len(code) == 10
    assert not Request.objects.exists()
    assert not Request.objects.filter(tracking_code=code).exists()
    assert client.post(COMPLAINT, complaint_data()).status_code == 429


def test_every_public_form_needs_its_csrf_token():
    strict = Client(enforce_csrf_checks=True)
    for address, data in (
        (COMPLAINT, complaint_data()),
        (TRACK, {"tracking_code": "X", "email": "a@example.com"}),
        (COMMEND, {}),
    ):
        assert strict.post(address, data).status_code == 403, address
    assert not Request.objects.exists()
    # With the token from the page, the same post goes through.
    page = strict.get(COMPLAINT).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    ok = strict.post(COMPLAINT, {**complaint_data(), "csrfmiddlewaretoken": token})
    assert ok.status_code == 302


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"]
)
def test_no_open_redirects(client, target):
    switched = client.post("/i18n/setlang/", {"language": "en", "next": target})
    assert "evil" not in switched.get("Location", "")
    assert "javascript" not in switched.get("Location", "")

    UserFactory(username="visitor")
    login = client.post(
        "/accounts/login/",
        {"username": "visitor", "password": "correct horse battery staple", "next": target},
    )
    assert login.status_code == 302
    assert login["Location"] == "/accounts/start/"  # the portal's own start page, by role


def test_pages_carry_the_security_headers_and_no_inline_script_or_style(client):
    for address in (COMPLAINT, TRACK, COMMEND, "/"):
        response = client.get(address)
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "form-action 'self'" in csp
        assert "camera=()" in response["Permissions-Policy"]
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["X-Frame-Options"] == "DENY"
        assert response["Referrer-Policy"] == "same-origin"
        page = response.content.decode()
        # The CSP allows no inline code: the pages must not need any.
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), address
        assert "<style" not in page
        assert " style=" not in page


def test_the_api_docs_keep_working_without_the_csp(client):
    assert "Content-Security-Policy" not in client.get("/api/v1/docs/")


@pytest.mark.parametrize("address", [COMPLAINT, "/api/v1/public/complaints/"])
def test_a_broken_multipart_body_is_a_400_not_a_500(client, address):
    response = client.post(
        address,
        data=b'--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nabc',
        content_type="multipart/form-data; boundary=",
    )

    assert response.status_code == 400
    assert not Request.objects.exists()
