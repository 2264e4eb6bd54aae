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
    """Read the configured mailboxes once; the number of messages read. A server that is down
    or slow is tried again with exponential back-off (capped), while the beat's next polls
    keep coming; /healthz says when the last poll succeeded."""
    from django.conf import settings

    from requests_desk.mail.fetch import MailboxUnavailable, mail_poll

    try:
        return mail_poll().read
    except MailboxUnavailable as exc:
        retries = self.request.retries
        delay = min(
            settings.CHARTER_MAIL_RETRY_BASE_SECONDS * 2**retries,
            settings.CHARTER_MAIL_RETRY_CAP_SECONDS,
        )
        if delay >= settings.CHARTER_MAIL_RETRY_CAP_SECONDS:
            raise  # the beat's polls go on; no endless chain of retries beside them
        raise self.retry(exc=exc, countdown=delay) from exc
