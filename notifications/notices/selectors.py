"""What the public pages read: current and past notices, the board, the on-call network.

Each selector runs a fixed number of queries, however many rows it returns."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, QuerySet

from commitments.business_time import SEOUL
from commitments.models import Contact, Service
from notifications.notices.models import Announcement, SuspensionPlan


def suspensions_public() -> QuerySet:
    return (
        SuspensionPlan.objects.public()
        .prefetch_related(Prefetch("services", queryset=Service.objects.order_by("code")))
        .select_related("division")
    )


def suspensions_upcoming(*, now: datetime) -> QuerySet:
    """Published notices whose window has not ended, soonest first (cancelled ones too,
    marked so, until their window would have ended: a customer may still be waiting on it)."""
    return suspensions_public().filter(ends_at__gt=now).order_by("starts_at", "pk")


def suspensions_past(*, now: datetime) -> QuerySet:
    """Published notices whose window is over, the latest first."""
    return suspensions_public().filter(ends_at__lte=now).order_by("-starts_at", "-pk")


def announcements_published() -> QuerySet:
    return Announcement.objects.published().order_by("-published_at", "-pk")


@dataclass
class ServiceContacts:
    service: Service
    contacts: list


def emergency_network(*, day: date) -> list[ServiceContacts]:
    """Every service with its representative number and its on-call contacts effective on
    ``day`` (Asia/Seoul), read live from the directory admins edit: two queries."""
    on_call = Contact.objects.effective_on(day).filter(on_call=True).order_by("role", "name", "pk")
    services = (
        Service.objects.select_related("division")
        .prefetch_related(Prefetch("contacts", queryset=on_call, to_attr="on_call_contacts"))
        .order_by("division__code", "code")
    )
    return [ServiceContacts(service, service.on_call_contacts) for service in services]


def seoul_today(now: datetime) -> date:
    return now.astimezone(SEOUL).date()
