"""A web worker made ready before its first request, without the database or Redis."""

import gc
import runpy

import pytest
from django.conf import settings
from django.template import engines

from charter_portal import warm


def test_warming_up_compiles_the_templates_and_reads_nothing():
    # No database here: a query would raise.
    spent = warm.warm_up()

    assert spent >= 0
    loader = engines["django"].engine.template_loaders[0]
    if hasattr(loader, "get_template_cache"):  # the cached loader: on outside DEBUG
        assert "requests_desk/list.html" in loader.get_template_cache


@pytest.mark.django_db
def test_the_catalogue_warmed_up_is_what_the_desk_then_reads(
    django_assert_num_queries, django_capture_on_commit_callbacks
):
    from commitments.memo import catalogue_forget
    from commitments.models.calendar import work_calendars
    from requests_desk.cases.replies import canned_replies_remembered
    from requests_desk.desk.forms import desk_catalogue

    catalogue_forget()
    with django_capture_on_commit_callbacks(execute=True):  # as outside a transaction
        warm.catalogue_warm_up()

    with django_assert_num_queries(0):
        desk_catalogue()
        work_calendars()
        canned_replies_remembered()


@pytest.mark.parametrize("fails", [False, True])
def test_each_gunicorn_worker_warms_up_and_a_failure_does_not_stop_it(monkeypatch, fails):
    calls, logged = [], []

    def failing(what):
        def warm_up():
            calls.append(what)
            if fails:
                raise RuntimeError(f"no {what}")

        return warm_up

    monkeypatch.setattr(warm, "warm_up", failing("templates"))
    monkeypatch.setattr(warm, "catalogue_warm_up", failing("catalogue"))
    monkeypatch.setattr(warm, "startup_objects_freeze", lambda: calls.append("freeze"))

    class Log:
        def exception(self, message, *args):
            logged.append(message)

        def warning(self, message, *args):
            logged.append(message)

    class Worker:
        log = Log()

    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    hooks["post_worker_init"](Worker())

    assert calls == ["templates", "catalogue", "freeze"]
    assert len(logged) == (2 if fails else 0)


def test_the_objects_made_at_start_are_left_out_of_full_collections():
    try:
        frozen = warm.startup_objects_freeze()

        assert frozen > 10_000
        # A full pass walks only what was made since (an object frozen and since freed leaves
        # the frozen count, so it is not compared for equality).
        assert frozen - 1_000 <= gc.get_freeze_count() <= frozen
        assert len(gc.get_objects()) < frozen / 10
    finally:
        gc.unfreeze()
