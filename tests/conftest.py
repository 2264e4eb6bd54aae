import pytest
from django.core.management import call_command


@pytest.fixture
def charter(db):
    """The seeded charter: calendars, organisation, placeholder contacts and catalogue."""
    call_command("seed_charter", verbosity=0)


@pytest.fixture
def demo_users(charter):
    call_command("seed_demo", verbosity=0)
    from django.contrib.auth import get_user_model

    return {
        u.username: u
        for u in get_user_model().objects.filter(username__in=["admin", "manager", "staff"])
    }
