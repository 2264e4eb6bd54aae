"""``manage.py check --deploy`` finds nothing in production mode, and the settings refuse what
it would warn about: a short or repetitive secret key."""

import pytest

from tests.charter_portal.test_settings import PRODUCTION, assert_refused, start_settings


def deploy_check(tmp_path, **changes):
    env = {
        **PRODUCTION,
        "STATIC_ROOT": str(tmp_path / "static"),
        **changes,
    }
    code = (
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    return start_settings(tmp_path, code=code, **env)


def test_check_deploy_is_clean_in_production_mode(tmp_path):
    result = deploy_check(tmp_path)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_hsts_can_be_turned_off_for_a_first_roll_out_and_the_check_says_so(tmp_path):
    result = deploy_check(tmp_path, SECURE_HSTS_SECONDS="0")

    assert result.returncode != 0
    assert "security.W004" in result.stderr


def test_hsts_lasts_a_year_with_subdomains(tmp_path):
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD)"
    )
    result = start_settings(tmp_path, code=code, **PRODUCTION)

    assert result.stdout.split() == ["31536000", "True", "True"], result.stderr


@pytest.mark.parametrize(
    "key",
    [
        "k" * 20 + "Xy7#pQ2!aZ" + "m" * 19,  # 49 characters
        "ab" * 40,  # long enough, but two characters
    ],
)
def test_a_secret_key_check_deploy_would_warn_about_is_refused(tmp_path, key):
    assert_refused(start_settings(tmp_path, **{**PRODUCTION, "SECRET_KEY": key}), "SECRET_KEY")
