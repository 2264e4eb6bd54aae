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
