"""Linking a customer request to the incident that caused it."""

from django.db import transaction
from django.utils.translation import gettext as _

from notifications.incidents.models import Incident
from requests_desk.cases.errors import DeskError
from requests_desk.models import Request


def request_link_incident(*, request: Request, incident: Incident, actor) -> Request:
    """Record that ``incident`` caused ``request``; its customer then hears of the incident."""
    if request.incident_id is not None and request.incident_id != incident.pk:
        raise DeskError({"request": [_("This request is already linked to another incident.")]})
    with transaction.atomic():
        Request.objects.filter(pk=request.pk).update(incident=incident)
        request.incident = incident
    return request
