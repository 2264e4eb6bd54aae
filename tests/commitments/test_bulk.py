"""Many rows in one statement: every value arrives as it was on the instance, each row gets its
key back, and a value too long for its column is refused, never cut."""

import pytest
from django.db import DataError, transaction

from commitments.bulk import FEW, row_insert, rows_insert, rows_update, values_insert
from notifications.models import Notification, NotificationState
from notifications.outbox import notification_row, notification_values
from requests_desk.models import CustomerContact
from tests.factories import CustomerContactFactory
from tests.seoul import kst


def rows(count: int, **fields) -> list[Notification]:
    return [
        notification_row(
            idempotency_key=f"bulk:{n}",
            step="message",
            channel="email",
            recipient=f"r{n}@example.com",
            subject=f"Subject {n}",
            body=f"Dear {n}, it's \\\\ {{due}} — 마감 %s\n",
            send_after=kst(2026, 10, 13, 10, n),
            **fields,
        )
        for n in range(count)
    ]


#: A few rows (sent as VALUES lists) and a batch (sent as arrays).
COUNTS = [pytest.param(3, id="few"), pytest.param(FEW + 3, id="batch")]


@pytest.mark.parametrize("count", COUNTS)
def test_it_inserts_every_row_with_one_statement_and_gives_each_its_key(
    db, django_assert_num_queries, count
):
    written = rows(count)

    with django_assert_num_queries(1):
        rows_insert(Notification, written)

    for row in written:
        saved = Notification.objects.get(pk=row.pk)
        assert (saved.idempotency_key, saved.body, saved.send_after) == (
            row.idempotency_key,
            row.body,
            row.send_after,
        )
        assert (saved.deadline_id, saved.recipient_user_id, saved.state) == (None, None, "queued")
        assert not row._state.adding


def test_it_updates_the_fields_given_and_no_others(db, django_assert_num_queries):
    written = rows(2)
    rows_insert(Notification, written)
    for n, row in enumerate(written):
        row.state, row.attempts, row.last_error = NotificationState.FAILED, n + 1, f"it's {n}"
        row.subject = "not saved"

    with django_assert_num_queries(1):
        rows_update(Notification, written, fields=["state", "attempts", "last_error"])

    saved = Notification.objects.order_by("idempotency_key")
    assert [(n.state, n.attempts, n.last_error, n.subject) for n in saved] == [
        ("failed", 1, "it's 0", "Subject 0"),
        ("failed", 2, "it's 1", "Subject 1"),
    ]


@pytest.mark.parametrize("count", COUNTS)
def test_a_value_longer_than_its_column_is_refused_not_cut(db, count):
    too_long = rows(count)
    too_long[1].channel = "e-mail-and-more"  # the column holds 10

    with pytest.raises(DataError), transaction.atomic():
        rows_insert(Notification, too_long)

    assert not Notification.objects.exists()


def test_plain_values_are_written_as_the_instances_would_be_and_taken_keys_left_out(
    db, django_assert_num_queries
):
    (taken,) = rows(1)
    rows_insert(Notification, [taken])
    values = [
        notification_values(
            idempotency_key=key,
            step="message",
            channel="email",
            recipient="r@example.com",
            body="본문\n",
            send_after=kst(2026, 10, 13, 10, 0),
            attachments=[{"name": '메모 "1".txt', "size": 3}] if key == "bulk:new" else None,
        )
        for key in ("bulk:new", taken.idempotency_key, "bulk:new")
    ]

    with django_assert_num_queries(1):
        keys = values_insert(Notification, values, unless_taken="idempotency_key")

    new = Notification.objects.get(idempotency_key="bulk:new")
    assert keys == [new.pk, None, None]  # a key given twice is written once, for the first
    assert new.attachments == [{"name": '메모 "1".txt', "size": 3}]
    # Fields the values leave out take their defaults.
    assert (new.attempts, new.created_at is not None) == (0, True)
    assert Notification.objects.count() == 2


def test_rows_taken_under_a_unique_constraint_of_several_fields_are_left_out(
    db, django_assert_num_queries
):
    # One contact per organisation and e-mail (a partial constraint: blank e-mails repeat).
    there = CustomerContactFactory(email="kim@example.com")
    now = kst(2026, 10, 13, 10, 0)
    twin, new = (
        CustomerContact(organisation=there.organisation, name=name, email=email, created_at=now)
        for name, email in (("김 둘", "kim@example.com"), ("이 하나", "lee@example.com"))
    )

    with django_assert_num_queries(1):
        written = rows_insert(CustomerContact, [twin, new], unless_taken=("organisation", "email"))

    assert written == [new]
    assert (twin.pk, new.pk is not None) == (None, True)
    assert CustomerContact.objects.get(pk=new.pk).name == "이 하나"
    assert CustomerContact.objects.filter(email="kim@example.com").get().pk == there.pk


def test_a_value_shared_by_every_row_is_written_to_each_as_the_varying_ones_are(
    db, django_assert_num_queries
):
    # Every column but the key the same in each row: the shared ones go as one value each.
    shared = [
        notification_values(
            idempotency_key=f"bulk:same:{n}",
            step="message",
            channel="email",
            recipient="same@example.com",
            body="같은 본문 {due} %s\n",
            send_after=kst(2026, 10, 13, 10, 0),
            attachments=[{"name": "a.txt", "size": 1}],
        )
        for n in range(3)
    ]

    with django_assert_num_queries(1):
        keys = values_insert(Notification, shared)
    written = list(Notification.objects.filter(pk__in=keys).order_by("pk"))
    with django_assert_num_queries(1):
        rows_update(Notification, written, fields=["state", "attempts"])  # as they were

    saved = Notification.objects.filter(pk__in=keys).order_by("pk")
    assert [row.idempotency_key for row in saved] == [f"bulk:same:{n}" for n in range(3)]
    assert {
        (row.recipient, row.body, row.send_after, row.state, row.attempts) for row in saved
    } == {("same@example.com", "같은 본문 {due} %s\n", kst(2026, 10, 13, 10, 0), "queued", 0)}
    assert all(row.attachments == [{"name": "a.txt", "size": 1}] for row in saved)


def test_one_row_is_inserted_with_its_values_as_they_are_and_gets_its_key(
    db, django_assert_num_queries
):
    (row,) = rows(1)
    row.attachments = [{"name": '메모 "1".txt', "size": 3}]

    with django_assert_num_queries(1):
        assert row_insert(row) is row

    saved = Notification.objects.get(pk=row.pk)
    assert (saved.idempotency_key, saved.body, saved.send_after, saved.attachments) == (
        row.idempotency_key,
        row.body,
        row.send_after,
        [{"name": '메모 "1".txt', "size": 3}],
    )
    assert not row._state.adding


def test_one_row_whose_unique_value_is_taken_is_left_out(db, django_assert_num_queries):
    (taken,) = rows(1)
    row_insert(taken)
    (again,) = rows(1)
    there = CustomerContactFactory(email="kim@example.com")
    twin = CustomerContact(
        organisation=there.organisation,
        name="김 둘",
        email="kim@example.com",
        created_at=kst(2026, 10, 13, 10, 0),
    )

    with django_assert_num_queries(2):
        assert row_insert(again, unless_taken="idempotency_key") is None
        assert row_insert(twin, unless_taken=("organisation", "email")) is None

    assert (again.pk, twin.pk) == (None, None)
    assert Notification.objects.count() == 1
    assert CustomerContact.objects.filter(email="kim@example.com").get().pk == there.pk
