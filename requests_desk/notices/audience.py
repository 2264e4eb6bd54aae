"""Who hears of a planned suspension, and publishing it to them.

The customers affected by a suspension are the customer contacts who brought us a request
about one of its services within ``NOTICE_AUDIENCE_DAYS`` (default a year), or a request that
names no service in a division running one of them (a homepage case filed as "not sure"): the
people who use the service and whom the desk can reach. E-mail goes to their e-mail address,
SMS to a mobile number (010…); a landline cannot take an SMS. The addresses are handed to
:mod:`notifications.notices.services`, which sends, records who was told, and tells exactly
those people again when the plan changes.
"""

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from notifications.notices.models import SuspensionPlan
from notifications.notices.services import Addressee, suspension_publish
from requests_desk.models import CustomerContact

MOBILE = re.compile(r"^01[016789][0-9\- ]{7,10}$")


def concerned_contacts(*, services: list, now: datetime):
    """The customer contacts who brought a request on one of ``services`` within
    ``NOTICE_AUDIENCE_DAYS``, or one naming no service in a division that runs one of them (a
    homepage case filed as "not sure"): the people who use the services and whom the desk can
    reach (one query when iterated)."""
    since = now - timedelta(days=settings.NOTICE_AUDIENCE_DAYS)
    concerned = Q(requests__service__in=services) | Q(
        requests__service__isnull=True,
        requests__division__in={service.division_id for service in services},
    )
    return (
        CustomerContact.objects.filter(concerned, requests__received_at__gte=since)
        .select_related("organisation")
        .distinct()
        .order_by("pk")
    )


def is_mobile(phone: str) -> bool:
    """A number that can take an SMS (010…); a landline cannot."""
    return bool(phone and MOBILE.match(phone.strip()))


def suspension_audience(*, plan: SuspensionPlan, now: datetime) -> list[Addressee]:
    """The affected customers' addresses on the plan's e-mail and SMS channels (two queries)."""
    return services_audience(services=list(plan.services.all()), channels=plan.channels, now=now)


def services_audience(*, services: list, channels, now: datetime) -> list[Addressee]:
    """The addresses, on ``channels`` (e-mail, SMS), of the customers affected by something
    on ``services`` (a suspension, a personnel handover): see the module's docstring."""
    audience: list[Addressee] = []
    for contact in concerned_contacts(services=services, now=now):
        name = f"{contact.name} ({contact.organisation.name})"
        if "email" in channels and contact.email:
            audience.append(Addressee("email", contact.email, name))
        # Only a phone staff confirmed: one typed on the homepage may be anyone's.
        if "sms" in channels and contact.confirmed and is_mobile(contact.phone):
            audience.append(Addressee("sms", contact.phone.strip(), name))
    return audience


def suspension_publish_to_customers(
    plan: SuspensionPlan, *, actor, manual_note: str = "", now: datetime | None = None
) -> SuspensionPlan:
    """Publish the notice and send it to the customers of the affected services."""
    now = now or timezone.now()
    return suspension_publish(
        plan,
        audience=suspension_audience(plan=plan, now=now),
        actor=actor,
        manual_note=manual_note,
        now=now,
    )
