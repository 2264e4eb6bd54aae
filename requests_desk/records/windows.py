"""PowerBase test windows (``finance.test-owner``, ``finance.test-report``).

A window — an internal or a customer test, its start and end, its appointed owner — owes two
clocks, both a business day (9 working hours, the division's calendar):

- ``finance.test-owner`` from the window's start: the customer told who the test's owner is,
  by e-mail through the outbox (:func:`window_owner_tell`, the clock stopping when the mail
  server accepts it) or on the phone (:func:`window_owner_told`, which the promise allows);
- ``finance.test-report`` from the window's end: the customer report of errors and outcomes
  (a file may be attached; it is kept in the private storage, served to the division's staff
  only), e-mailed to the window's customer with the file (:func:`window_report_email`, the
  clock stopping when the mail server accepts it), or recorded as handed over otherwise
  (:func:`window_report_send`).
"""

import mimetypes
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.instant_words import en_instant, ko_instant
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
from requests_desk.records.messages import customer_addresses, record_messages, record_messages_send

TEST_OWNER = "finance.test-owner"
TEST_REPORT = "finance.test-report"
#: A report file's largest size (as a customer's attachment).
REPORT_MAX_BYTES = 5 * 1024 * 1024
#: The test's kind in the message's language.
KIND_WORDS = {
    "ko": {"internal": "내부 테스트", "customer": "고객 테스트"},
    "en": {"internal": "internal test", "customer": "customer test"},
}


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


def owner_messages(window: TestWindow, *, language: str = "ko") -> list:
    """The e-mail telling the window's customer who owns the test, in ``language``; none when
    the window names no customer with an e-mail address."""
    customer = window.customer
    language = language if language in KIND_WORDS else "ko"
    words = ko_instant if language == "ko" else en_instant
    owner = window.owner
    kind = KIND_WORDS[language].get(window.kind, window.kind)
    return record_messages(
        "test-owner",
        addresses=customer_addresses(customer, ["email"]),
        language=language,
        context={
            "customer": customer,
            "organisation": customer.organisation.name if customer else "",
            "test": window.title or f"PowerBase {kind}",
            "kind": kind,
            "starts": words(window.starts_at, with_year=True),
            "ends": words(window.ends_at, with_year=True),
            "owner": owner.get_full_name() or owner.get_username(),
            "owner_email": owner.email,
        },
    )


def window_owner_tell(
    window: TestWindow, *, language: str = "ko", actor=None, now: datetime | None = None
) -> list:
    """E-mail the window's customer who owns the test through the outbox; the clock stops when
    the mail server has accepted it (met if by then within a business day of the start)."""
    now = now or timezone.now()
    messages = owner_messages(window, language=language)
    if not messages:
        raise DeskError(
            {
                "language": [
                    _(
                        "The test names no customer with an e-mail address: name one, or log"
                        " the phone call that told them."
                    )
                ]
            }
        )
    with transaction.atomic():
        sent = record_messages_send(
            window,
            TEST_OWNER,
            messages=messages,
            act="owner",
            cause=f"owner {window.owner} told by e-mail"[:200],
            field="language",
        )
        window.owner_told_at = now
        window.save(update_fields=["owner_told_at"])
    return sent


def window_owner_told(
    window: TestWindow, *, at: datetime, told_person: str, actor=None
) -> TestWindow:
    """The customer (``told_person``) was told on the phone at ``at`` who the test's owner
    is (the promise names no channel: a call keeps it)."""
    not_future(at)
    if not told_person.strip():
        raise DeskError({"told_person": [_("Say whom you told.")]})
    with transaction.atomic():
        record_clock_stop(
            window,
            TEST_OWNER,
            at=at,
            cause=f"owner {window.owner} told on the phone to {told_person.strip()}"[:200],
            actor=actor,
            field="at",
        )
        window.owner_told_at = at
        window.save(update_fields=["owner_told_at"])
    return window


def _report_written(
    window: TestWindow, *, outcome: str, errors: str, report_file, at: datetime
) -> None:
    """Put the report on the window (checked, not saved)."""
    if report_file is not None and report_file.size > REPORT_MAX_BYTES:
        raise DeskError({"report_file": [_("The file is larger than 5 MiB.")]})
    window.report_outcome, window.report_errors = outcome.strip(), errors.strip()
    if report_file is not None:
        window.report_file = report_file
    window.reported_at = at
    full_clean(window)


def report_messages(window: TestWindow, *, outcome: str, errors: str, language: str = "ko") -> list:
    """The customer report by e-mail to the window's customer, in ``language``, carrying the
    report file when there is one (none without a customer with an e-mail address)."""
    language = language if language in KIND_WORDS else "ko"
    kind = KIND_WORDS[language].get(window.kind, window.kind)
    words = ko_instant if language == "ko" else en_instant
    files = ()
    if window.report_file:
        name = window.report_file.name
        kind_of_file = mimetypes.guess_type(name)[0] or ""
        files = ({"name": name.rsplit("/", 1)[-1], "content_type": kind_of_file, "file": name},)
    return record_messages(
        "test-report",
        addresses=customer_addresses(window.customer, ["email"]),
        language=language,
        context={
            "customer": window.customer,
            "test": window.title or f"PowerBase {kind}",
            "starts": words(window.starts_at, with_year=True),
            "ends": words(window.ends_at, with_year=True),
            "outcome": outcome,
            "errors": errors,
            "attached": bool(files),
        },
        attachments=files,
    )


def window_report_email(
    window: TestWindow,
    *,
    report_outcome: str,
    report_errors: str = "",
    report_file=None,
    language: str = "ko",
    actor=None,
    now: datetime | None = None,
) -> list:
    """E-mail the customer report (errors, outcome, the file attached) to the window's
    customer through the outbox; the clock stops when the mail server has accepted it (met if
    by then within a business day of the test's end)."""
    now = now or timezone.now()
    if now < window.ends_at:
        raise DeskError({"report_outcome": [_("The test has not ended yet.")]})
    if not customer_addresses(window.customer, ["email"]):
        raise DeskError(
            {
                "report_outcome": [
                    _(
                        "The test names no customer with an e-mail address: name one, or"
                        " record the report handed over otherwise."
                    )
                ]
            }
        )
    _report_written(
        window, outcome=report_outcome, errors=report_errors, report_file=report_file, at=now
    )
    with transaction.atomic():
        window.save()
        record_messages_send(
            window,
            TEST_REPORT,
            messages=report_messages(
                window,
                outcome=window.report_outcome,
                errors=window.report_errors,
                language=language,
            ),
            act="report",
            cause="customer report e-mailed",
            field="report_outcome",
        )
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
    """The customer report (errors found, outcome, a file) was handed over at ``at`` other than
    by e-mail from here (the promise names no channel)."""
    not_future(at)
    _report_written(
        window, outcome=report_outcome, errors=report_errors, report_file=report_file, at=at
    )
    with transaction.atomic():
        record_clock_stop(
            window, TEST_REPORT, at=at, cause="customer report sent", actor=actor, field="at"
        )
        window.save()
    return window
