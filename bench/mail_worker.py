"""The portal's Celery app as ``bench/mail.py``'s worker runs it: the acknowledgements' delivery
tasks go to a queue no worker reads, so the worker's processes spend their time on the mail
alone (the deliveries are measured by ``bench/sweep.py``)."""

from charter_portal.celery import app

UNREAD_QUEUE = "bench-mail-deliveries"

app.conf.task_routes = {"notifications.tasks.*": {"queue": UNREAD_QUEUE}}
