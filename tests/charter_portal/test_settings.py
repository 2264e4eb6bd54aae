"""Settings are read from the environment and fail loudly on anything they cannot understand.

The failing cases start a fresh interpreter (settings are read once per process); the checks of
the settings in force inspect this test process, which runs in ``CHARTER_ENV=test`` mode against
the real Redis named by ``REDIS_URL``.
"""

import json
import os
import subprocess
import sys
import uuid
import warnings
from difflib import SequenceMatcher
from pathlib import Path

import pytest
import redis
from celery.app.defaults import DEFAULTS, NAMESPACES, flatten
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

from charter_portal.celery import app as celery_app

PROJECT_DIR = Path(__file__).resolve().parents[2]
TOUCH_SETTINGS = "import django; from django.conf import settings; settings.SECRET_KEY"

LOCAL_REPORT = """
import json
import django
django.setup()
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from charter_portal.celery import app

with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal_mode = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy_timeout = cursor.fetchone()[0]
print(json.dumps({
    "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]),
    "journal_mode": journal_mode,
    "busy_timeout_ms": busy_timeout,
    "broker_url": app.conf.broker_url,
    "broker_embedded": settings.CELERY_BROKER_EMBEDDED,
    "broker_folder": app.conf.broker_transport_options["data_folder_in"],
    "email_backend": settings.EMAIL_BACKEND,
    "email_file_path": str(settings.EMAIL_FILE_PATH),
    "beat_scheduler": app.conf.beat_scheduler,
    "cache_backend": type(caches["default"]).__module__ + "." + type(caches["default"]).__name__,
    "secret_key": settings.SECRET_KEY,
    "debug": settings.DEBUG,
}))
"""

# Names Celery does not know but that are ours (read by our own code, not by Celery).
OUR_OWN_CELERY_NAMES = {"CELERY_BROKER_EMBEDDED"}
# celery-redbeat reads its settings from the same configuration (redbeat/schedulers.py).
REDBEAT_SETTINGS = {
    "redbeat_redis_url",
    "redbeat_redis_options",
    "redbeat_redis_use_ssl",
    "redbeat_key_prefix",
    "redbeat_lock_key",
    "redbeat_lock_timeout",
}


def start_settings(tmp_path: Path, code: str = TOUCH_SETTINGS, **env: str):
    """Start a fresh interpreter with only ``env`` (plus what Python needs) and read settings."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "charter_portal.settings",
        "CHARTER_VAR_DIR": str(tmp_path / "var"),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def assert_refused(result, message: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr, result.stderr
    assert message in result.stderr, result.stderr


PRODUCTION = {
    "CHARTER_ENV": "production",
    # 64 characters, as `secrets.token_urlsafe(48)` gives (`check --deploy` wants 50 or more).
    "SECRET_KEY": "q4Xv9_Lr2N-8sZpT0bWc7YhJ3mKd6FgA1uEo5RiV_xQnHs2yBw9tCz4lMj8aPe0D",
    "DATABASE_URL": "postgres://charter@db.example.com:5432/charter",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "ALLOWED_HOSTS": "charter.example.com",
    "EMAIL_HOST": "smtp.example.com",
    "SMS_BACKEND": "http",
    "SMS_GATEWAY_URL": "https://sms.example.com/send",
    "SMS_GATEWAY_KEY": "gateway-key",
    "SMS_SENDER": "02-0000-0000",
    "SITE_URL": "https://charter.example.com",
}

PRODUCTION_HEALTH_PROBE = """
import json
import django
django.setup()
from django.test import Client
response = Client().get("/healthz", HTTP_HOST="localhost")
print(json.dumps({"status": response.status_code, "location": response.get("Location")}))
"""


def test_a_complete_production_environment_starts(tmp_path):
    result = start_settings(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "REDIS_URL", "SITE_URL"])
def test_production_mode_refuses_to_start_without_a_required_url_or_secret(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    assert_refused(start_settings(tmp_path, **env), f"{missing} must be set")


@pytest.mark.parametrize("blank", ["", "   "])
def test_production_mode_treats_a_blank_secret_key_as_missing(tmp_path, blank):
    assert_refused(
        start_settings(tmp_path, **{**PRODUCTION, "SECRET_KEY": blank}), "SECRET_KEY must be set"
    )


def test_production_mode_refuses_debug(tmp_path):
    assert_refused(
        start_settings(tmp_path, **{**PRODUCTION, "DEBUG": "true"}), "DEBUG must not be true"
    )


def test_production_mode_needs_an_sms_backend_chosen_on_purpose(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if not k.startswith("SMS_")}
    assert_refused(start_settings(tmp_path, **env), "SMS_BACKEND must be set")


def test_the_container_health_probe_is_answered_in_production_not_redirected(tmp_path):
    # As docker-compose's probe asks: plain HTTP to localhost. Nothing listens on port 1, so
    # the answer is an honest 503 about the database, not a redirect to https or a 400.
    env = {
        **PRODUCTION,
        "ALLOWED_HOSTS": "localhost,charter.example.com",
        "DATABASE_URL": "postgres://charter@127.0.0.1:1/charter",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    result = start_settings(tmp_path, code=PRODUCTION_HEALTH_PROBE, **env)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"status": 503, "location": None}


def test_a_misspelt_boolean_is_an_error_not_false(tmp_path):
    assert_refused(start_settings(tmp_path, DEBUG="ture"), "DEBUG='ture' is not a boolean")


def test_an_unknown_mode_is_an_error(tmp_path):
    assert_refused(
        start_settings(tmp_path, CHARTER_ENV="prod"), "CHARTER_ENV='prod' must be one of"
    )


def test_a_task_time_limit_that_is_not_a_number_is_an_error(tmp_path):
    assert_refused(
        start_settings(tmp_path, CELERY_TASK_TIME_LIMIT="abc"),
        "CELERY_TASK_TIME_LIMIT='abc' is not a whole number",
    )


def test_a_soft_time_limit_not_below_the_hard_one_is_an_error(tmp_path):
    assert_refused(
        start_settings(tmp_path, CELERY_TASK_TIME_LIMIT="60", CELERY_TASK_SOFT_TIME_LIMIT="60"),
        "CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT",
    )


def test_an_empty_environment_runs_embedded_on_sqlite_wal_with_a_kept_secret_key(tmp_path):
    var_dir = tmp_path / "var"

    first = start_settings(tmp_path, code=LOCAL_REPORT)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout.strip().splitlines()[-1])

    assert report["engine"] == "django.db.backends.sqlite3"
    assert Path(report["name"]).parent == var_dir
    assert report["journal_mode"] == "wal"
    assert report["busy_timeout_ms"] >= 5000
    assert report["broker_embedded"] is True
    assert report["broker_url"] == "filesystem://"
    assert Path(report["broker_folder"]).parent == var_dir
    # Celery's file-kept scheduler, its ticks recorded for /healthz.
    assert report["beat_scheduler"] == "notifications.schedule:RecordingPersistentScheduler"
    assert report["email_backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(report["email_file_path"]).parent == var_dir
    assert report["cache_backend"] == "django.core.cache.backends.locmem.LocMemCache"
    assert report["debug"] is False

    key_file = var_dir / "secret_key"
    assert key_file.read_text(encoding="utf-8").strip() == report["secret_key"]
    assert len(report["secret_key"]) >= 50
    assert key_file.stat().st_mode & 0o077 == 0, "the key file is readable by others"

    second = start_settings(tmp_path, code=LOCAL_REPORT)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout.strip().splitlines()[-1])["secret_key"] == report["secret_key"]


def test_the_celery_app_runs_with_the_intended_delivery_guarantees():
    conf = celery_app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_time_limit == settings.CELERY_TASK_TIME_LIMIT
    assert conf.task_soft_time_limit == settings.CELERY_TASK_SOFT_TIME_LIMIT
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.timezone == "Asia/Seoul"
    assert conf.enable_utc is True


def test_the_celery_app_uses_the_real_redis_broker_and_redbeat_in_test_mode():
    conf = celery_app.conf
    assert settings.CHARTER_ENV == "test"
    assert settings.CELERY_BROKER_EMBEDDED is False
    assert conf.broker_url == os.environ["REDIS_URL"] == settings.REDIS_URL
    # redbeat, restoring its schedule after a flushed Redis (notifications/schedule.py).
    assert conf.beat_scheduler == "notifications.schedule:RestoringRedBeatScheduler"
    # A running task must never be handed to a second worker: the broker's visibility timeout
    # outlives the hard time limit.
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert "heartbeat" in conf.beat_schedule


def test_the_celery_app_really_connects_to_the_redis_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        assert conn.transport.driver_type == "redis"
        assert conn.connected


def test_redbeat_reads_its_own_settings_without_deprecated_fallbacks():
    from redbeat.schedulers import RedBeatConfig

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        redbeat_conf = RedBeatConfig(celery_app)
    assert redbeat_conf.redis_url == settings.REDIS_URL
    assert redbeat_conf.key_prefix == settings.CELERY_REDBEAT_KEY_PREFIX
    assert redbeat_conf.lock_timeout == settings.CELERY_REDBEAT_LOCK_TIMEOUT
    assert redbeat_conf.lock_key.startswith(redbeat_conf.key_prefix)
    assert redbeat_conf.redbeat_redis_options == {}
    assert redis.Redis.from_url(redbeat_conf.redis_url).ping() is True


def test_every_celery_setting_name_is_one_celery_or_redbeat_knows():
    known = {key.lower() for key, _option in flatten(NAMESPACES)} | set(DEFAULTS)
    known |= REDBEAT_SETTINGS
    ours = [name for name in dir(settings) if name.startswith("CELERY_")]
    assert "CELERY_TASK_ACKS_LATE" in ours
    unknown = [
        name
        for name in ours
        if name not in OUR_OWN_CELERY_NAMES and name.removeprefix("CELERY_").lower() not in known
    ]
    assert unknown == []
    # A typo in the prefix escapes the namespace altogether (CELERT_…, CELRY_…).
    near_misses = [
        name
        for name in dir(settings)
        if name.isupper()
        and name.split("_", 1)[0] != "CELERY"
        and SequenceMatcher(None, name.split("_", 1)[0], "CELERY").ratio() >= 0.7
    ]
    assert near_misses == []


def test_the_cache_is_the_real_redis_in_test_mode():
    assert isinstance(caches["default"], RedisCache)
    assert settings.CACHES["default"]["LOCATION"] == os.environ["REDIS_URL"]

    key = f"settings-test-{uuid.uuid4().hex}"
    try:
        cache.set(key, {"promise": "약속"}, timeout=60)
        assert cache.get(key) == {"promise": "약속"}
        # The value is really stored in the Redis server, not in this process.
        raw = redis.Redis.from_url(os.environ["REDIS_URL"])
        assert raw.exists(cache.make_and_validate_key(key)) == 1
        assert 0 < raw.ttl(cache.make_and_validate_key(key)) <= 60
    finally:
        cache.delete(key)
    assert cache.get(key) is None


def test_a_trusted_proxy_that_is_not_an_address_stops_the_start(tmp_path):
    env = {**PRODUCTION, "CHARTER_TRUSTED_PROXIES": "10.0.0.0/8, proxy.example.com"}
    assert_refused(start_settings(tmp_path, **env), "CHARTER_TRUSTED_PROXIES")


def test_production_needs_an_absolute_site_url(tmp_path):
    env = {**PRODUCTION, "SITE_URL": "charter.example.com"}
    assert_refused(start_settings(tmp_path, **env), "SITE_URL must be an absolute")


MAIL_ACCOUNTS = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps(settings.CHARTER_MAIL_IMAP_ACCOUNTS))"
)


def test_more_imap_accounts_are_read_each_with_its_own_division(tmp_path):
    result = start_settings(
        tmp_path,
        MAIL_ACCOUNTS,
        CHARTER_MAIL_IMAP_HOST="imap.example.com",
        CHARTER_MAIL_IMAP_USER="desk",
        CHARTER_MAIL_IMAP_ACCOUNTS="market, infra",
        CHARTER_MAIL_IMAP_MARKET_USER="market-desk",
        CHARTER_MAIL_IMAP_MARKET_PASSWORD="secret",
        CHARTER_MAIL_IMAP_MARKET_DIVISION="market",
        CHARTER_MAIL_IMAP_MARKET_TEAM="market-it-infra",
        CHARTER_MAIL_IMAP_INFRA_HOST="mail.infra.example.com",
        CHARTER_MAIL_IMAP_INFRA_SSL="false",
        CHARTER_MAIL_IMAP_INFRA_USER="infra",
        CHARTER_MAIL_IMAP_INFRA_FOLDERS="INBOX,Support",
    )

    assert result.returncode == 0, result.stderr
    market, infra = json.loads(result.stdout.strip().splitlines()[-1])
    assert market == {
        "name": "market",
        "host": "imap.example.com",
        "port": 993,
        "ssl": True,
        "user": "market-desk",
        "password": "secret",
        "folders": ["INBOX"],
        "division": "market",
        "team": "market-it-infra",
    }
    assert (infra["host"], infra["port"], infra["ssl"]) == ("mail.infra.example.com", 143, False)
    assert infra["folders"] == ["INBOX", "Support"]
    assert (infra["division"], infra["password"]) == ("", "")


def test_an_imap_account_without_its_user_stops_the_start(tmp_path):
    result = start_settings(
        tmp_path,
        CHARTER_MAIL_IMAP_HOST="imap.example.com",
        CHARTER_MAIL_IMAP_USER="desk",
        CHARTER_MAIL_IMAP_ACCOUNTS="market",
    )

    assert_refused(result, "CHARTER_MAIL_IMAP_MARKET_USER must be set")


FIRST_MAIL_ACCOUNT = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({part: getattr(settings, 'CHARTER_MAIL_IMAP_' + part.upper()) "
    "for part in ('host', 'port', 'ssl', 'user', 'password', 'folders')}))"
)


def first_mail_account(tmp_path, **env):
    result = start_settings(tmp_path, FIRST_MAIL_ACCOUNT, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_inbound_imap_url_is_the_first_imap_account(tmp_path):
    account = first_mail_account(
        tmp_path, INBOUND_IMAP_URL="imaps://desk%40charter.example:p%40ss%3Aw%2Fd@imap.example.com/"
    )

    assert account == {
        "host": "imap.example.com",
        "port": 993,
        "ssl": True,
        "user": "desk@charter.example",
        "password": "p@ss:w/d",
        "folders": ["INBOX"],
    }


def test_inbound_imap_url_without_tls_names_its_port_and_folders(tmp_path):
    account = first_mail_account(
        tmp_path,
        INBOUND_IMAP_URL="imap://desk:secret@mail.example.com:1143/INBOX,%EA%B3%A0%EA%B0%9D/VIP",
        CHARTER_MAIL_IMAP_DIVISION="market",
    )

    assert (account["host"], account["port"], account["ssl"]) == ("mail.example.com", 1143, False)
    assert account["folders"] == ["INBOX", "고객/VIP"]
    # Without a port, plain IMAP's own.
    plain = first_mail_account(tmp_path, INBOUND_IMAP_URL="imap://desk@mail.example.com")
    assert (plain["port"], plain["password"], plain["folders"]) == (143, "", ["INBOX"])


def test_inbound_imap_url_may_come_from_a_file(tmp_path):
    secret = tmp_path / "imap-url"
    secret.write_text("imaps://desk:from-a-file@imap.example.com/INBOX\n")

    account = first_mail_account(tmp_path, INBOUND_IMAP_URL_FILE=str(secret))

    assert (account["user"], account["password"]) == ("desk", "from-a-file")


def test_more_imap_accounts_take_the_server_of_inbound_imap_url(tmp_path):
    result = start_settings(
        tmp_path,
        MAIL_ACCOUNTS,
        INBOUND_IMAP_URL="imap://desk:secret@mail.example.com",
        CHARTER_MAIL_IMAP_ACCOUNTS="market",
        CHARTER_MAIL_IMAP_MARKET_USER="market-desk",
    )

    assert result.returncode == 0, result.stderr
    [market] = json.loads(result.stdout.strip().splitlines()[-1])
    assert (market["host"], market["port"], market["ssl"]) == ("mail.example.com", 143, False)


@pytest.mark.parametrize(
    "other", ["CHARTER_MAIL_IMAP_HOST", "CHARTER_MAIL_IMAP_USER", "CHARTER_MAIL_IMAP_FOLDERS"]
)
def test_inbound_imap_url_beside_the_first_accounts_own_settings_stops_the_start(tmp_path, other):
    result = start_settings(
        tmp_path, INBOUND_IMAP_URL="imaps://desk:secret@imap.example.com/INBOX", **{other: "x"}
    )

    assert_refused(result, f"INBOUND_IMAP_URL and {other} both name the first IMAP account")
    assert "secret" not in result.stderr


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://desk:secret@imap.example.com/INBOX", "the scheme 'https' is not imap or imaps"),
        ("imaps://imap.example.com/INBOX", "it names no user"),
        ("imaps://desk:secret@/INBOX", "it names no host"),
        ("imaps://desk:secret@imap.example.com:99999/INBOX", "cannot be read"),
        ("imaps://desk:secret@imap.example.com:imap/INBOX", "cannot be read"),
        ("imaps://desk:se#cret@imap.example.com/INBOX", "write it like imaps://"),
        ("imap.example.com", "the scheme '' is not imap or imaps"),
    ],
)
def test_a_malformed_inbound_imap_url_stops_the_start(tmp_path, url, problem):
    result = start_settings(tmp_path, INBOUND_IMAP_URL=url)

    assert_refused(result, "INBOUND_IMAP_URL")
    assert problem in result.stderr
    assert "secret" not in result.stderr.replace("imaps://desk:secret@", "")
