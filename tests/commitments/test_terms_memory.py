"""Starting clocks reuses frozen terms: within the transaction that found them, and in every
later one once that transaction committed; a rolled-back transaction's terms are never reused."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from commitments.deadlines import deadline_start
from commitments.models import ClockTerms, Commitment

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

SEOUL = ZoneInfo("Asia/Seoul")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=SEOUL)


def start(subject_id: int):
    return deadline_start(
        commitment=Commitment.objects.get(code="common.progress-15d"),
        subject_type="test",
        subject_id=subject_id,
        started_at=MONDAY,
        now=MONDAY,
    )


def calendar_reads(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return sum(
        "commitments_workinghours" in q["sql"] or "commitments_closure" in q["sql"]
        for q in captured.captured_queries
    )


def test_the_second_clock_of_a_transaction_reuses_the_terms_the_first_froze():
    first = start(1)

    assert calendar_reads(lambda: start(2)) == 0
    assert start(3).terms_id == first.terms_id


def test_committed_terms_are_reused_by_later_transactions(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        first = start(1)

    with transaction.atomic():
        assert calendar_reads(lambda: start(2)) == 0
        assert start(3).terms_id == first.terms_id


def test_terms_of_a_rolled_back_transaction_are_frozen_again():
    with transaction.atomic():
        rolled_back = start(1).terms_id
        transaction.set_rollback(True)

    assert not ClockTerms.objects.filter(pk=rolled_back).exists()
    again = start(2)
    assert ClockTerms.objects.filter(pk=again.terms_id).exists()
