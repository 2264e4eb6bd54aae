"""The homepage's notice boxes, so the charter page can show notices without its app
reading this one: ``{% load notices %}{% upcoming_suspensions %}{% latest_announcements %}``."""

from django import template
from django.utils import timezone

from notifications.notices import selectors

register = template.Library()

HOMEPAGE_ANNOUNCEMENTS = 5


@register.inclusion_tag("notices/_upcoming_suspensions.html")
def upcoming_suspensions(limit: int = 10):
    now = timezone.now()
    return {"upcoming": list(selectors.suspensions_upcoming(now=now)[:limit]), "now": now}


@register.inclusion_tag("notices/_latest_announcements.html")
def latest_announcements(limit: int = HOMEPAGE_ANNOUNCEMENTS):
    return {"announcements": list(selectors.announcements_published()[:limit])}


@register.filter
def lead_days(plan) -> int | None:
    return plan.lead_days
