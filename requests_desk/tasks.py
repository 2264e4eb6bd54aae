"""Celery tasks of the desk: thin entry points over plain functions."""

from celery import shared_task

from requests_desk.homepage.services.retention import personal_data_purge


@shared_task(name="requests_desk.tasks.purge_personal_data", ignore_result=True)
def purge_personal_data() -> int:
    """Destroy personal data past its retention period; the number of cases cleared."""
    return personal_data_purge().cases
