"""Staff accounts: sign-in lockout (django-axes) on our login page and the admin's, with admin
unlock; two-factor sign-in (django-otp TOTP) for admins and managers; password reset by e-mail;
sessions that end after 30 minutes idle; API throttling; the admin site for admins only."""

import re
import time
from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from commitments.models import Team
from tests.charter_portal.test_settings import PRODUCTION, start_settings
from tests.factories import UserFactory
from tests.notifications.conftest import smtp_server  # noqa: F401  (a fixture)
from tests.requests_desk.public.support import forget_rate_limits

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

PASSWORD = "correct horse battery staple"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture
def staff():
    user = UserFactory(username="desk.kim")
    Team.objects.get(code="net-support").members.add(user)
    return user


@pytest.fixture
def manager():
    user = UserFactory(username="manager.lee")
    Team.objects.filter(code="net-dev").update(manager=user)
    return user


@pytest.fixture
def superuser():
    return UserFactory(username="admin.park", is_superuser=True)


def sign_in(client, username, password=PASSWORD, *, path=LOGIN, address="10.0.0.1", next="/desk/"):
    return client.post(
        f"{path}?next={next}",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


# --- Lockout ------------------------------------------------------------------------------


def test_repeated_wrong_passwords_lock_the_account_even_with_the_right_one(staff, settings):
    client = Client()
    answers = [
        sign_in(client, "desk.kim", "guess").status_code for _ in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]

    response = sign_in(client, "desk.kim")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # From another address too: the account itself is locked.
    assert sign_in(Client(), "desk.kim", address="10.9.9.9").status_code == 429


def test_the_admin_login_locks_the_same_way(superuser, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "admin.park", "guess", path=ADMIN_LOGIN, next="/admin/")

    response = sign_in(client, "admin.park", path=ADMIN_LOGIN, next="/admin/")

    assert response.status_code == 429
    assert Client().get("/admin/").status_code == 302


def test_guessing_many_accounts_from_one_address_locks_the_address(staff, settings):
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"nobody{n}", "guess", address="10.6.6.6")

    assert sign_in(Client(), "desk.kim", address="10.6.6.6").status_code == 429
    # The account is not locked: its owner signs in from their own address.
    assert sign_in(Client(), "desk.kim", address="10.0.0.7").status_code == 302


def test_the_lockout_page_says_what_happened_in_korean_and_english(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(Client(), "desk.kim", "guess")

    korean = sign_in(Client(), "desk.kim").content.decode()
    english = sign_in(Client(), "desk.kim", path="/en" + LOGIN).content.decode()

    assert "잠겼습니다" in korean
    assert "Sign-in locked" in english


def test_an_admin_unlocks_an_account_in_the_admin(staff, superuser, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        sign_in(Client(), "desk.kim", "guess", address="10.0.0.8")
    assert sign_in(Client(), "desk.kim", address="10.0.0.8").status_code == 429

    admin = Client()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert "desk.kim" in listing.content.decode()
    attempt = AccessAttempt.objects.get(username="desk.kim")
    deleted = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert deleted.status_code == 302
    assert sign_in(Client(), "desk.kim", address="10.0.0.8").status_code == 302


def test_the_lock_ends_after_the_cool_off(staff, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        sign_in(Client(), "desk.kim", "guess")
    assert sign_in(Client(), "desk.kim").status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert sign_in(Client(), "desk.kim").status_code == 302


# --- Two-factor sign-in -------------------------------------------------------------------


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def otp_required(settings):
    settings.CHARTER_REQUIRE_OTP = True


@pytest.mark.usefixtures("otp_required")
def test_a_manager_enrols_at_first_sign_in_then_gives_a_code_each_time(manager):
    client = Client()
    landed = sign_in(client, "manager.lee")
    assert landed.status_code == 302

    # Any desk page sends the manager to enrolment first.
    enrol = client.get("/desk/", follow=True)
    assert enrol.redirect_chain[-1][0] == "/accounts/two-factor/enrol/?next=%2Fdesk%2F"
    page = enrol.content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    device = TOTPDevice.objects.get(user=manager, confirmed=False)

    wrong = client.post("/accounts/two-factor/enrol/?next=/desk/", {"token": "000000"})
    assert wrong.status_code == 200
    assert client.get("/desk/").status_code == 302

    # django-otp makes the next try wait a moment after a wrong code.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        done = client.post(
            "/accounts/two-factor/enrol/", {"token": code_for(device), "next": "/desk/"}
        )
        assert done.status_code == 302
        assert done["Location"] == "/desk/"
        assert client.get("/desk/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # The next sign-in asks for a code.
    again = Client()
    sign_in(again, "manager.lee")
    step = again.get("/desk/")
    assert step["Location"] == "/accounts/two-factor/?next=%2Fdesk%2F"
    refused = again.post("/accounts/two-factor/", {"token": "123456", "next": "/desk/"})
    assert refused.status_code == 200
    assert again.get("/desk/").status_code == 302
    with time_machine.travel(timezone.now() + timedelta(seconds=35)):
        passed = again.post("/accounts/two-factor/", {"token": code_for(device), "next": "/desk/"})
        assert passed["Location"] == "/desk/"
        assert again.get("/desk/").status_code == 200


@pytest.mark.usefixtures("otp_required")
def test_an_admin_must_pass_the_second_factor_before_the_admin_site(superuser):
    client = Client()
    sign_in(client, "admin.park", path=ADMIN_LOGIN, next="/admin/")

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/enrol/")


@pytest.mark.usefixtures("otp_required")
def test_a_session_that_owes_the_second_factor_gets_403_from_the_api(manager):
    client = APIClient()
    sign_in(client, "manager.lee")

    assert client.get("/api/v1/requests/").status_code == 403
    # A token is issued by an admin to a program, and is not a sign-in.
    token = Token.objects.create(user=manager)
    program = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert program.get("/api/v1/requests/").status_code == 200


@pytest.mark.usefixtures("otp_required")
def test_two_factor_is_optional_for_staff_but_used_once_set_up(staff):
    client = Client()
    sign_in(client, "desk.kim")
    assert client.get("/desk/").status_code == 200

    client.get("/accounts/two-factor/enrol/")
    device = TOTPDevice.objects.get(user=staff)
    client.post("/accounts/two-factor/enrol/", {"token": code_for(device), "next": "/desk/"})

    again = Client()
    sign_in(again, "desk.kim")
    assert again.get("/desk/")["Location"].startswith("/accounts/two-factor/")


def test_production_always_requires_the_second_factor(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.CHARTER_REQUIRE_OTP)"
    )
    result = start_settings(tmp_path, code=code, **{**PRODUCTION, "CHARTER_REQUIRE_OTP": "false"})

    assert result.stdout.split()[-1:] == ["True"], result.stderr


# --- Password reset -----------------------------------------------------------------------


@pytest.fixture
def smtp(settings, smtp_server):  # noqa: F811
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return smtp_server


@pytest.mark.parametrize(
    ("prefix", "subject"),
    [("", "새 비밀번호"), ("/en", "choose a new password")],
)
def test_a_password_is_reset_by_e_mail(staff, smtp, prefix, subject):
    client = Client()
    login_page = client.get(prefix + LOGIN).content.decode()
    assert f'href="{prefix}/accounts/password-reset/"' in login_page

    sent = client.post(f"{prefix}/accounts/password-reset/", {"email": "desk.kim@example.com"})
    assert sent["Location"] == f"{prefix}/accounts/password-reset/sent/"
    [mail] = smtp.wait_for(1, timeout=10)
    assert subject in mail.subject
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/", mail.message.get_content())
    assert link, mail.message.get_content()
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]

    form = client.get("/" + path, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    weak = client.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200  # Django's validators: too short, too common, all digits
    fresh = "a fresh pass phrase 77"
    done = client.post(set_url, {"new_password1": fresh, "new_password2": fresh})
    assert done.status_code == 302

    assert sign_in(Client(), "desk.kim", fresh).status_code == 302
    assert sign_in(Client(), "desk.kim").status_code == 200


def test_an_unknown_address_gets_the_same_answer_and_no_mail(staff, smtp):
    response = Client().post("/accounts/password-reset/", {"email": "stranger@example.com"})

    assert response["Location"] == "/accounts/password-reset/sent/"
    time.sleep(0.5)
    assert smtp.messages == []


# --- Idle sessions ------------------------------------------------------------------------


def test_a_session_ends_after_thirty_minutes_idle(staff, settings, monkeypatch):
    settings.SESSION_COOKIE_AGE = 30 * 60  # production's default (the suite's is ten years)
    monkeypatch.setattr("charter_portal.accounts.sessions.REFRESH_EVERY_SECONDS", 60)
    start = timezone.now()
    client = Client()
    with time_machine.travel(start, tick=False):
        sign_in(client, "desk.kim")
        assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=25), tick=False):
        assert client.get("/desk/").status_code == 200  # each request starts the count again
    with time_machine.travel(start + timedelta(minutes=50), tick=False):
        assert client.get("/desk/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=81), tick=False):
        response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- API throttling -----------------------------------------------------------------------


@pytest.fixture
def low_rates(settings):
    settings.CHARTER_API_THROTTLE_RATES = {"user": "3/minute", "anon": "2/minute"}
    client = cache._cache.get_client(write=True)
    for key in client.scan_iter(match="*throttle_*"):
        client.delete(key)
    forget_rate_limits()
    yield
    for key in client.scan_iter(match="*throttle_*"):
        client.delete(key)
    forget_rate_limits()


@pytest.mark.usefixtures("low_rates")
def test_the_api_throttles_per_user_with_retry_after(staff):
    api = APIClient()
    api.force_authenticate(staff)
    answers = [api.get("/api/v1/requests/").status_code for _ in range(4)]

    assert answers == [200, 200, 200, 429]
    assert int(api.get("/api/v1/requests/")["Retry-After"]) > 0
    other = APIClient()
    other.force_authenticate(UserFactory(username="desk.choi"))
    assert other.get("/api/v1/requests/").status_code == 200


@pytest.mark.usefixtures("low_rates")
def test_the_api_throttles_anonymous_callers_per_address():
    # (A call that needs an account is refused with 401 before it is counted.)
    track = "/api/v1/public/track/ABCDEFGHJK/?email=hong@example.com"
    answers = [APIClient().get(track, REMOTE_ADDR="10.1.1.1").status_code for _ in range(3)]

    assert answers == [404, 404, 429]
    assert APIClient().get(track, REMOTE_ADDR="10.1.1.2").status_code == 404


# --- The admin site -----------------------------------------------------------------------


def test_desk_staff_do_not_open_the_admin_site(staff):
    client = Client()
    client.force_login(staff)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[0][0].startswith("/admin/login/")
    assert "desk.kim" in response.content.decode()  # "signed in as desk.kim, not authorised"
    assert 'href="/admin/"' not in client.get("/desk/").content.decode()


def test_admins_open_the_admin_site(superuser):
    client = Client()
    client.force_login(superuser)

    assert client.get("/admin/").status_code == 200
    assert 'href="/admin/"' in client.get("/desk/").content.decode()


def test_the_api_answers_when_the_throttle_counters_cannot_be_reached(staff, monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    from charter_portal.accounts.throttling import UserThrottle

    # A real Redis client, pointed at a port where nothing listens.
    unreachable = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    monkeypatch.setattr(UserThrottle, "cache", unreachable)
    api = APIClient()
    api.force_authenticate(staff)

    assert api.get("/api/v1/requests/").status_code == 200
