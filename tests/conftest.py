"""Fixtures every test folder shares.

The charter (calendars, organisation, placeholder contacts, catalogue and the desk's clock
rules) is seeded once into the test database when it is set up. Tests that use ``db`` run in
a transaction that is rolled back, so they all see the same seeded rows without paying for
seeding; tests that use ``transactional_db`` (live servers, worker subprocesses) end with a
flush of every table, after which the seeded rows, kept at set-up, are put back.
"""

import io

import pytest
from django.core.management import call_command

from tests import fake_today

_fake_today = pytest.StashKey[fake_today.FakeToday | None]()


def pytest_configure(config: pytest.Config) -> None:
    # Opt-in: CHARTER_TEST_TODAY runs the whole session on another day (see tests/fake_today.py).
    config.stash[_fake_today] = fake_today.start()


def pytest_unconfigure(config: pytest.Config) -> None:
    fake_today.stop(config.stash.get(_fake_today, None))


def pytest_report_header(config: pytest.Config) -> str | None:
    fake = config.stash.get(_fake_today, None)
    return fake.header if fake else None


def _seed_charter_if_missing() -> None:
    from commitments.models import Commitment

    if not Commitment.objects.exists():
        call_command("seed_charter", verbosity=0)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, pytestconfig, request):
    with django_db_blocker.unblock():
        fake = pytestconfig.stash.get(_fake_today, None)
        if fake is not None:
            from django.db import connection

            fake_today.shift_database_clock(fake, connection)
        before = _row_counts()
        _seed_charter_if_missing()
        _SEEDED_ROWS.update(_copy_out([t for t, n in _row_counts().items() if n > before[t]]))
        wanted = any("bench_template" in item.fixturenames for item in request.session.items)
        # Not on a shifted clock: the copy would carry the shadowed clock functions.
        template = _copy_of_the_test_database() if wanted and fake is None else None
    pytestconfig.stash[_template] = template
    with pytest.MonkeyPatch.context() as patch:
        _flush_by_delete(patch)
        yield
    if template is not None:
        with django_db_blocker.unblock():
            _drop_database(template)


_template = pytest.StashKey[str | None]()

#: The rows ``seed_charter`` wrote into the test database at set-up, per table (``COPY`` text).
_SEEDED_ROWS: dict[str, bytes] = {}


def _row_counts() -> dict[str, int]:
    from django.db import connection

    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables))
        return dict(cursor.fetchall())


def _copy_out(tables: list[str]) -> dict[str, bytes]:
    from django.db import connection

    copied = {}
    with connection.cursor() as cursor:
        for table in tables:
            rows = io.BytesIO()
            cursor.copy_expert(f'COPY "{table}" TO STDOUT', rows)
            copied[table] = rows.getvalue()
    return copied


def _flush_by_delete(patch: pytest.MonkeyPatch) -> None:
    """A transactional test's teardown empties every table (Django's flush) with a ``DELETE``
    a table in one transaction, instead of one ``TRUNCATE`` of all of them: TRUNCATE gives each
    of the ~90 tables and their indexes new files, seconds on a loaded machine, for the few rows
    a test leaves. The outcome is the same: every table empty, foreign keys checked at commit
    (Django makes them deferrable), the sequences where they were, as a flush without
    ``reset_sequences`` leaves them. A flush that resets the sequences is left as it was."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    operations = type(connection.ops)
    truncate = operations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            "SET CONSTRAINTS ALL DEFERRED",
            *(f"DELETE FROM {self.quote_name(t)}" for t in tables),
        ]

    patch.setattr(operations, "sql_flush", sql_flush)


def _reseed() -> None:
    """The seeded charter again after a flush: the rows kept at set-up put back as they were
    (ids included; a flush leaves the sequences past them) in one transaction — what
    ``seed_charter`` writes with some 800 queries — and the catalogue's memory dropped, as the
    saves of ``seed_charter`` drop it. Where nothing was kept (a database reused with the seed
    already in it) ``seed_charter`` runs."""
    from django.db import connection, transaction

    from commitments.memo import catalogue_forget
    from commitments.models import Commitment

    if not _SEEDED_ROWS or Commitment.objects.exists():
        _seed_charter_if_missing()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table, rows in _SEEDED_ROWS.items():
            cursor.copy_expert(f'COPY "{table}" FROM STDIN', io.BytesIO(rows))
    catalogue_forget()


def _copy_of_the_test_database() -> str:
    """A copy of the test database as set up (migrated, the charter seeded), made while no
    test has touched it: ``CREATE DATABASE … TEMPLATE`` needs no other session on it."""
    from django.db import connection, connections

    copy = f"{connection.settings_dict['NAME']}_template"
    _drop_database(copy)
    connections.close_all()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{connection.settings_dict["NAME"]}"')
    return copy


def _drop_database(name: str) -> None:
    from django.db import connection

    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def bench_template(django_db_setup, pytestconfig) -> str | None:
    """The name of a database of the suite's server that is migrated and seeded as the test
    database is at its start (a copy made at set-up), for the benchmark scripts' own databases
    (``CHARTER_BENCH_TEMPLATE``) — instead of each migrating an empty one. None on a shifted
    clock (``CHARTER_TEST_TODAY``): the scripts then migrate and seed as by hand."""
    return pytestconfig.stash.get(_template, None)


@pytest.fixture(autouse=True)
def _sessions_refreshed_only_where_tested(monkeypatch):
    """A signed-in session is saved again (its idle expiry pushed back) when a minute has passed
    since the last save, by the wall clock: on a loaded machine that lands in some requests and
    not others, so the query counts the suite asserts would move. The suite's sessions live ten
    years; the idle test turns the refresh back on."""
    monkeypatch.setattr("charter_portal.accounts.sessions.REFRESH_EVERY_SECONDS", 10**9)


@pytest.fixture(autouse=True)
def _no_frozen_terms_of_other_tests():
    """Terms remembered by an earlier test may have been rolled back with it."""
    from commitments.deadlines import forget_frozen_terms

    forget_frozen_terms()


@pytest.fixture(autouse=True)
def _no_delivery_pass_asked_for_by_other_tests():
    """A pass asked for by an earlier test never started (no worker): ask again when due."""
    from django.core.cache import cache

    from notifications.outbox import NUDGE_KEY

    cache.delete(NUDGE_KEY)


@pytest.fixture(autouse=True)
def _reseed_after_flush(request, django_db_blocker):
    """A transactional test's teardown empties every table: seed again for the next test."""
    yield
    if "transactional_db" in request.fixturenames or "live_server" in request.fixturenames:
        with django_db_blocker.unblock():
            _reseed()


@pytest.fixture
def charter(db):
    """The seeded charter (see the module's docstring)."""
    _seed_charter_if_missing()


@pytest.fixture
def unseeded(db):
    """An empty organisation and catalogue, for tests of seeding itself; rolled back after."""
    from django.db import connection

    tables = [
        "commitments_commitment",
        "commitments_contact",
        "commitments_service",
        "commitments_team_members",
        "commitments_team",
        "commitments_division",
        "commitments_closure",
        "commitments_workinghours",
        "commitments_calendar",
    ]
    with connection.cursor() as cursor:
        # TRUNCATE is transactional in PostgreSQL: the test's rollback brings the rows back.
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


@pytest.fixture
def demo_users(charter):
    """The demo users ``admin``, ``manager`` and ``staff`` (without the demo requests)."""
    from requests_desk import demo

    return demo.demo_users()
