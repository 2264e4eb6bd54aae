"""Celery tasks of the desk: thin entry points over plain functions."""

from celery import shared_task

from requests_desk.homepage.services.retention import personal_data_purge


@shared_task(name="requests_desk.tasks.purge_personal_data", ignore_result=True)
def purge_personal_data() -> int:
    """Destroy personal data past its retention period; the number of cases cleared."""
    return personal_data_purge().cases


@shared_task(name="requests_desk.tasks.certificate_guidance", ignore_result=True)
def certificate_guidance() -> int:
    """Send the renewal guidance of the certificates whose clock falls due within a day."""
    from requests_desk.records.certificates import certificates_guide_due

    return certificates_guide_due()


@shared_task(
    bind=True,
    name="requests_desk.tasks.poll_mail",
    ignore_result=True,
    max_retries=None,
)
def poll_mail(self) -> int:
    """Read the configured mailboxes once; the number of messages read. With
    ``CHARTER_MAIL_SHARDS`` above 1 the mailboxes are read in that many shares, each by a task
    of its own (:func:`poll_mail_share`) that any worker process may run; this task only hands
    them out (and reads nothing itself). A server that is down or slow is tried again with
    exponential back-off (capped), while the beat's next polls keep coming; /healthz says when
    the last poll succeeded."""
    from django.conf import settings

    shards = settings.CHARTER_MAIL_SHARDS
    if shards > 1:
        # Like the beat's own entries, a share not started before the next poll is dropped:
        # busy workers do not pile up copies (the next poll hands the share out again).
        expires = max(settings.CHARTER_MAIL_POLL_INTERVAL - 0.5, 0.5)
        for shard in range(shards):
            poll_mail_share.apply_async((shard, shards), expires=expires)
        return 0
    return _poll(self, shard=0, shards=1)


@shared_task(
    bind=True,
    name="requests_desk.tasks.poll_mail_share",
    ignore_result=True,
    max_retries=None,
)
def poll_mail_share(self, shard: int, shards: int) -> int:
    """Read share ``shard`` of ``shards`` of every configured mailbox (the messages whose UID
    modulo ``shards`` is ``shard``); the number of messages read."""
    return _poll(self, shard=shard, shards=shards)


def _poll(task, *, shard: int, shards: int) -> int:
    from django.conf import settings

    from requests_desk.mail.fetch import MailboxUnavailable, mail_poll

    try:
        return mail_poll(shard=shard, shards=shards).read
    except MailboxUnavailable as exc:
        retries = task.request.retries
        delay = min(
            settings.CHARTER_MAIL_RETRY_BASE_SECONDS * 2**retries,
            settings.CHARTER_MAIL_RETRY_CAP_SECONDS,
        )
        if delay >= settings.CHARTER_MAIL_RETRY_CAP_SECONDS:
            raise  # the beat's polls go on; no endless chain of retries beside them
        raise task.retry(exc=exc, countdown=delay) from exc
