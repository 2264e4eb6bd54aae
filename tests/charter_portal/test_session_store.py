"""Sessions in the database, each write one statement."""

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.models import Session
from django.utils import timezone

from charter_portal.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_a_new_session_is_written_with_one_query_and_read_back(django_assert_num_queries):
    session = SessionStore()
    session["cases"] = ["HCQ4R7KX2M"]

    with django_assert_num_queries(1):
        session.save()

    assert SessionStore(session.session_key)["cases"] == ["HCQ4R7KX2M"]


def test_a_session_is_saved_again_with_one_query(django_assert_num_queries):
    session = SessionStore()
    session.save()
    session = SessionStore(session.session_key)
    session["cases"] = ["HCQ4R7KX2M"]
    session.load()

    with django_assert_num_queries(1):
        session.save()

    assert SessionStore(session.session_key)["cases"] == ["HCQ4R7KX2M"]


def test_a_key_already_taken_is_not_written_over(monkeypatch):
    taken = SessionStore()
    taken["who"] = "first"
    taken.save()
    keys = iter([taken.session_key, "k" * 32])
    monkeypatch.setattr(SessionStore, "_get_new_session_key", lambda self: next(keys))

    second = SessionStore()
    second["who"] = "second"
    second.save()

    assert second.session_key == "k" * 32
    assert SessionStore(taken.session_key)["who"] == "first"


def test_a_session_ended_elsewhere_is_not_written_back():
    session = SessionStore()
    session.save()
    Session.objects.filter(session_key=session.session_key).delete()
    session["cases"] = ["HCQ4R7KX2M"]

    with pytest.raises(UpdateError):
        session.save()


def test_a_session_written_now_is_not_written_again_unless_it_changed(
    django_assert_num_queries,
):
    session = SessionStore()
    session["cases"] = ["HCQ4R7KX2M"]
    session.write_now()

    with django_assert_num_queries(0):  # the middleware's save at the end of the request
        session.save()

    session["cases"] = ["HCQ4R7KX2M", "K7M2XQ4R9P"]
    with django_assert_num_queries(1):
        session.save()
    assert SessionStore(session.session_key)["cases"] == ["HCQ4R7KX2M", "K7M2XQ4R9P"]


def test_a_session_ended_elsewhere_starts_again_when_written_now():
    session = SessionStore()
    session.save()
    ended = session.session_key
    Session.objects.filter(session_key=ended).delete()
    session["cases"] = ["HCQ4R7KX2M"]

    session.write_now()

    assert session.session_key != ended
    assert SessionStore(session.session_key)["cases"] == ["HCQ4R7KX2M"]


def test_an_expired_session_reads_as_empty_and_is_saved_under_a_new_key(
    django_assert_num_queries,
):
    session = SessionStore()
    session["cases"] = ["HCQ4R7KX2M"]
    session.save()
    expired = session.session_key
    Session.objects.filter(session_key=expired).update(expire_date=timezone.now())

    again = SessionStore(expired)
    with django_assert_num_queries(1):
        assert again.get("cases") is None
    again["cases"] = ["K7M2XQ4R9P"]
    again.save()

    assert again.session_key != expired
    assert SessionStore(again.session_key)["cases"] == ["K7M2XQ4R9P"]
