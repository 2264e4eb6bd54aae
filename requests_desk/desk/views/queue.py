"""My queue: the open requests I (or my team) owe something on, nearest clock first."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from requests_desk.cases.selectors import queue_keys_for
from requests_desk.desk.views.common import clocks_by_request, desk_view, owed_clocks_of, rows_of

PAGE_SIZE = 50


@desk_view
def queue(request):
    now = timezone.now()
    # The page's ids first, then their rows (the whole queue joined to show 50 of it took
    # 83 ms for a team manager's 3,660 requests at a million).
    keys = queue_keys_for(request.user)
    page = Paginator(keys, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = rows_of([key[0] for key in page.object_list])
    clocks = clocks_by_request(owed_clocks_of(rows), now) if rows else {}
    return render(
        request,
        "requests_desk/queue.html",
        {"page": page, "rows": [(r, clocks.get(r.pk)) for r in rows], "now": now},
    )
