"""Every request the user may see: searched, filtered and paginated."""

from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone

from commitments.access import divisions_of
from requests_desk.cases.selectors import requests_visible
from requests_desk.desk.bulk_forms import BulkForm
from requests_desk.desk.forms import RequestFilterForm
from requests_desk.desk.views.common import clocks_by_request, desk_view, owed_clocks_of

PAGE_SIZE = 50


@desk_view
def request_list(request):
    now = timezone.now()
    form = RequestFilterForm(
        request.GET or None, divisions=divisions_of(request.user), user=request.user
    )
    requests = requests_visible(request.user).select_related(
        "customer__organisation", "division", "team", "assignee"
    )
    if form.is_bound and form.is_valid():
        requests = _filtered(requests, form.cleaned_data, user=request.user, now=now)
    page = Paginator(requests.order_by("-received_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = list(page.object_list)
    clocks = clocks_by_request(owed_clocks_of(rows), now) if rows else {}
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "requests_desk/list.html",
        {
            "form": form,
            "page": page,
            "rows": [(r, clocks.get(r.pk)) for r in rows],
            "query": query.urlencode(),
            "bulk": BulkForm(user=request.user),
        },
    )


def _filtered(requests, data: dict, *, user, now):
    if q := data.get("q", "").strip():
        requests = requests.filter(
            Q(subject__icontains=q)
            | Q(body__icontains=q)
            | Q(tracking_code__icontains=q)
            | Q(customer__name__icontains=q)
            | Q(customer__email__icontains=q)
            | Q(customer__organisation__name__icontains=q)
        )
    for name in ("status", "kind"):
        if data.get(name):
            requests = requests.filter(**{name: data[name]})
    if data.get("division"):
        requests = requests.filter(division=data["division"])
    assignee = data.get("assignee")
    if assignee == "me":
        requests = requests.filter(assignee=user)
    elif assignee == "none":
        requests = requests.filter(assignee__isnull=True)
    elif assignee:
        requests = requests.filter(assignee_id=assignee)
    if clock := data.get("clock"):
        requests = _by_clock_state(requests, clock, now=now)
    return requests


def _by_clock_state(requests, state: str, *, now):
    """Requests whose worst owed clock is in ``state`` ("none": no owed clock at all).

    At risk depends on each clock's calendar, so the states are worked out on the owed clocks
    of the matching requests — one query, however many there are."""
    summary = clocks_by_request(owed_clocks_of(requests), now)
    if state == "none":
        return requests.exclude(pk__in=list(summary))
    return requests.filter(pk__in=[pk for pk, entry in summary.items() if entry.status == state])
