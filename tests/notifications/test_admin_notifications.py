"""The outbox in the admin: failed messages are easy to find and can be sent again."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from notifications.models import Notification, NotificationState
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_notification_changelist")
PAST = datetime.now(UTC) - timedelta(hours=1)


def notification(n: int, *, state: str = "failed", **fields) -> Notification:
    failed = state == NotificationState.FAILED
    return Notification.objects.create(
        idempotency_key=f"admin:{n}",
        step=fields.pop("step", "reminder"),
        channel="email",
        recipient=f"person{n}@example.com",
        subject=f"Reminder {n}",
        body="A clock is half-way.",
        state=state,
        send_after=PAST,
        next_attempt_at=None if failed else PAST,
        attempts=fields.pop("attempts", 8 if failed else 0),
        last_error="gave up after 8 attempts: SMTP 451" if failed else "",
        **fields,
    )


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="root", is_superuser=True))
    return client


def test_failed_messages_are_one_filter_away_with_their_reason(admin_client):
    failed = notification(1)
    notification(2, state="sent")

    response = admin_client.get(CHANGELIST, {"attention": "failed"})

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [failed]
    page = response.content.decode()
    assert "gave up after 8 attempts: SMTP 451" in page
    assert "person1@example.com" in page


@pytest.mark.parametrize(
    ("query", "found"),
    [({"q": "person2@"}, [2]), ({"q": "admin:1"}, [1]), ({"state": "sent"}, [2])],
)
def test_messages_are_searched_by_recipient_and_key_and_filtered_by_state(
    admin_client, query, found
):
    notification(1)
    notification(2, state="sent")

    response = admin_client.get(CHANGELIST, query)

    assert [n.idempotency_key for n in response.context["cl"].result_list] == [
        f"admin:{n}" for n in found
    ]


def test_a_message_is_read_only_and_cannot_be_added_or_deleted(admin_client):
    row = notification(1)
    change = reverse("admin:notifications_notification_change", args=[row.pk])

    assert admin_client.get(change).status_code == 200
    admin_client.post(change, {"recipient": "attacker@example.com"})
    row.refresh_from_db()
    assert row.recipient == "person1@example.com"
    assert admin_client.get(reverse("admin:notifications_notification_add")).status_code == 403
    delete = reverse("admin:notifications_notification_delete", args=[row.pk])
    assert admin_client.get(delete).status_code == 403


def test_retry_sends_failed_messages_again_after_commit_keeping_their_attempts(
    admin_client, django_capture_on_commit_callbacks, eager_celery, mailoutbox
):
    failed, sent = notification(1), notification(2, state="sent")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = admin_client.post(
            CHANGELIST,
            {"action": "retry", "_selected_action": [failed.pk, sent.pk]},
            follow=True,
        )

    assert len(callbacks) == 1
    messages = [str(m) for m in response.context["messages"]]
    # The admin speaks Korean by default.
    assert "1건의 메시지를 재발송 대기열에 추가했습니다." in messages
    assert any("1건은 그대로 두었습니다" in m for m in messages)
    assert [mail.to for mail in mailoutbox] == [["person1@example.com"]]
    failed.refresh_from_db()
    assert failed.state == NotificationState.SENT
    assert failed.attempts == 9  # the eight that failed, and this one


def test_retry_is_queued_only_when_the_transaction_commits(admin_client):
    failed = notification(1)

    # Without running the on-commit callbacks nothing is sent: the row is queued and due.
    admin_client.post(CHANGELIST, {"action": "retry", "_selected_action": [failed.pk]})

    failed.refresh_from_db()
    assert failed.state == NotificationState.QUEUED
    assert failed.attempts == 8
    assert failed.next_attempt_at is not None
