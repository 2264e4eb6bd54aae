"""Every request the user may see: searched, filtered and paginated."""

from django.shortcuts import render
from django.utils import timezone

from commitments.access import divisions_of
from commitments.models import RiskHorizon
from requests_desk.cases.selectors import (
    SHORT_CLOCK_STATES,
    requests_by_clock_state,
    requests_matching,
)
from requests_desk.desk.bulk_forms import BulkForm
from requests_desk.desk.forms import RequestFilterForm, desk_people
from requests_desk.desk.paging import CappedPaginator, ShortListPaginator
from requests_desk.desk.views.common import clocks_by_request, desk_view, owed_clocks_of, rows_of
from requests_desk.models import Request

PAGE_SIZE = 50


@desk_view
def request_list(request):
    now = timezone.now()
    # The calendars' working hours, read once for the clock filter and the rows.
    horizon = RiskHorizon(now=now)
    divisions = divisions_of(request.user)
    # The filter's people and the bulk action's (those of the user's divisions), one query.
    everyone, colleagues = desk_people(divisions)
    form = RequestFilterForm(
        request.GET or None, divisions=divisions, user=request.user, people=everyone
    )
    requests = Request.objects.visible_to(divisions)
    paginator = CappedPaginator
    if form.is_bound and form.is_valid():
        requests = _filtered(
            requests, form.cleaned_data, user=request.user, now=now, horizon=horizon
        )
        if form.cleaned_data.get("clock") in SHORT_CLOCK_STATES:
            paginator = ShortListPaginator
    # The page's ids first, from the filters and the list's index alone; then their rows with
    # what they show, by primary key (the planner never joins the whole list to show 50 rows).
    ids = requests.order_by("-received_at", "-id").values_list("pk", flat=True)
    page = paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = rows_of(list(page.object_list))
    clocks = clocks_by_request(owed_clocks_of(rows), now, horizon=horizon) if rows else {}
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
            "bulk": BulkForm(user=request.user, people=colleagues),
        },
    )


def _filtered(requests, data: dict, *, user, now, horizon):
    if q := data.get("q", "").strip():
        requests = requests_matching(requests, q)
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
        requests = requests_by_clock_state(requests, clock, now=now, horizon=horizon)
    return requests
