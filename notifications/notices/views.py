"""The public notice pages: no account needed, nothing but reading."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from notifications.notices import selectors

PAGE_SIZE = 20


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def suspension_list(request):
    """Upcoming and current suspensions, then the past ones, a page at a time."""
    now = timezone.now()
    return render(
        request,
        "notices/suspension_list.html",
        {
            "upcoming": selectors.suspensions_upcoming(now=now),
            "page": _page(request, selectors.suspensions_past(now=now)),
            "now": now,
        },
    )


def suspension_detail(request, pk: int):
    plan = get_object_or_404(selectors.suspensions_public(), pk=pk)
    return render(request, "notices/suspension_detail.html", {"plan": plan, "now": timezone.now()})


def announcement_list(request):
    """The "koscomDATA Announcement" board, newest first."""
    return render(
        request,
        "notices/announcement_list.html",
        {"page": _page(request, selectors.announcements_published())},
    )


def announcement_detail(request, pk: int):
    announcement = get_object_or_404(selectors.announcements_published(), pk=pk)
    return render(request, "notices/announcement_detail.html", {"announcement": announcement})


def emergency_contacts(request):
    """The night and weekend emergency contact network, as the directory says today."""
    now = timezone.now()
    day = selectors.seoul_today(now)
    return render(
        request,
        "notices/emergency_contacts.html",
        {"network": selectors.emergency_network(day=day), "day": day},
    )
