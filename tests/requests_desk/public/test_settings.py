"""The public forms' settings come from the environment and refuse nonsense."""

import json

from tests.charter_portal.test_settings import assert_refused, start_settings

READ = """
import json
from django.conf import settings
print(json.dumps({
    "per_ip_hour": settings.CHARTER_PUBLIC_PER_IP_HOUR,
    "per_ip_day": settings.CHARTER_PUBLIC_PER_IP_DAY,
    "attachment": settings.CHARTER_ATTACHMENT_MAX_BYTES,
    "body": settings.CHARTER_MAX_BODY_BYTES,
    "division": settings.CHARTER_PUBLIC_DIVISION,
    "cache": settings.CACHES["default"]["BACKEND"],
    "private": str(settings.CHARTER_PRIVATE_MEDIA_ROOT),
}))
"""


def test_local_mode_limits_in_the_local_cache_with_the_defaults(tmp_path):
    result = start_settings(tmp_path, READ)

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["per_ip_hour"] == 20
    assert values["per_ip_day"] == 240
    assert values["attachment"] == 5 * 1024 * 1024
    assert values["body"] == 6 * 1024 * 1024
    assert values["division"] == "infrastructure"
    assert values["cache"].endswith("LocMemCache")
    assert values["private"] == str(tmp_path / "var" / "media" / "private")


def test_the_limits_follow_the_environment(tmp_path):
    result = start_settings(
        tmp_path,
        READ,
        CHARTER_PUBLIC_PER_IP_HOUR="5",
        CHARTER_PUBLIC_PER_IP_DAY="50",
        CHARTER_ATTACHMENT_MAX_BYTES="1000",
        CHARTER_PUBLIC_DIVISION="bizdev",
    )

    values = json.loads(result.stdout)
    assert (values["per_ip_hour"], values["per_ip_day"]) == (5, 50)
    assert values["attachment"] == 1000
    assert values["body"] == 1000 + 1024 * 1024
    assert values["division"] == "bizdev"


def test_a_limit_that_is_not_a_number_stops_the_start(tmp_path):
    assert_refused(start_settings(tmp_path, CHARTER_PUBLIC_PER_IP_HOUR="many"), "CHARTER_PUBLIC")
