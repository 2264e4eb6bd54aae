"""Fixtures of the homepage's public forms and API: fresh rate limits, a private file root."""

import pytest

from tests.requests_desk.public.support import forget_rate_limits


@pytest.fixture(autouse=True)
def fresh_limits():
    """Rate-limit counters live in the shared cache: every test starts from zero."""
    forget_rate_limits()
    yield
    forget_rate_limits()


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.CHARTER_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.CHARTER_PRIVATE_MEDIA_ROOT
