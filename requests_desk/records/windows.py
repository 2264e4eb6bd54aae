"""PowerBase test windows (``finance.test-owner``, ``finance.test-report``).

A window — an internal or a customer test, its start and end, its appointed owner — owes two
clocks, both a business day (9 working hours, the division's calendar):

- ``finance.test-owner`` from the window's start, stopped by :func:`window_owner_told`: the
  customer was told who the test's owner is;
- ``finance.test-report`` from the window's end, stopped by :func:`window_report_send`: the
  customer report of errors and outcomes (a file may be attached; it is kept in the private
  storage, served to the division's staff only).
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Division
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import TestWindow
from requests_desk.records.common import (
    customer_from,
    not_future,
    person_in_division,
    record_clock_start,
    record_clock_stop,
)

TEST_OWNER = "finance.test-owner"
TEST_REPORT = "finance.test-report"
#: A report file's largest size (as a customer's attachment).
REPORT_MAX_BYTES = 5 * 1024 * 1024


def window_create(
    *,
    division: Division,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    owner,
    title: str = "",
    customer=None,
    customer_id=None,
    actor=None,
    now: datetime | None = None,
) -> TestWindow:
    """Record a test window and start its two clocks (from its start and from its end)."""
    now = now or timezone.now()
    window = TestWindow(
        division=division,
        kind=kind,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        owner=owner,
        created_by=actor,
        created_at=now,
    )
    if customer or customer_id:
        window.customer = customer_from(customer=customer, customer_id=customer_id)
    full_clean(window)
    person_in_division(owner, division, field="owner")
    with transaction.atomic():
        window.save()
        record_clock_start(
            window, TEST_OWNER, started_at=starts_at, owner=owner, actor=actor, now=now
        )
        record_clock_start(
            window, TEST_REPORT, started_at=ends_at, owner=owner, actor=actor, now=now
        )
    return window


def window_update(window: TestWindow, *, title: str, actor=None) -> TestWindow:
    window.title = title.strip()
    full_clean(window)
    window.save()
    return window


def window_owner_told(
    window: TestWindow, *, at: datetime, told_person: str, actor=None
) -> TestWindow:
    """The customer (``told_person``) was told at ``at`` who the test's owner is."""
    not_future(at)
    if not told_person.strip():
        raise DeskError({"told_person": [_("Say whom you told.")]})
    with transaction.atomic():
        record_clock_stop(
            window,
            TEST_OWNER,
            at=at,
            cause=f"owner {window.owner} told to {told_person.strip()}"[:200],
            actor=actor,
            field="at",
        )
        window.owner_told_at = at
        window.save(update_fields=["owner_told_at"])
    return window


def window_report_send(
    window: TestWindow,
    *,
    at: datetime,
    report_outcome: str,
    report_errors: str = "",
    report_file=None,
    actor=None,
) -> TestWindow:
    """The customer report (errors found, outcome, a file) was sent at ``at``."""
    not_future(at)
    if report_file is not None and report_file.size > REPORT_MAX_BYTES:
        raise DeskError({"report_file": [_("The file is larger than 5 MiB.")]})
    window.report_outcome, window.report_errors = report_outcome.strip(), report_errors.strip()
    if report_file is not None:
        window.report_file = report_file
    window.reported_at = at
    full_clean(window)
    with transaction.atomic():
        record_clock_stop(
            window, TEST_REPORT, at=at, cause="customer report sent", actor=actor, field="at"
        )
        window.save()
    return window
