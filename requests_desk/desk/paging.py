"""Paging big lists without scanning them: counts capped at :data:`COUNT_CAP` (a list longer
than that reads "10,000+"), and keyset ("next" cursor) pages for the API.

A count of a million requests reads a million index entries; counting at most
``COUNT_CAP + 1`` of them reads a few hundred pages whatever the size of the table. A page
``OFFSET`` reads every row before it; a keyset page starts where the last one stopped, through
the index of the list's order."""

import base64
import binascii
from datetime import datetime

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

COUNT_CAP = 10_000


def capped_count(queryset: QuerySet) -> int:
    """The number of rows, but no more than ``COUNT_CAP + 1``: a bigger list counts as that."""
    cap = COUNT_CAP
    return queryset.order_by().values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """Page numbers over a count that stops at :data:`COUNT_CAP`; ``count_is_capped`` says the
    list is longer (the pages stop there too)."""

    @cached_property
    def counted(self) -> int:
        return capped_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return min(self.counted, COUNT_CAP)

    @property
    def count_is_capped(self) -> bool:
        return self.counted > self.count

    def validate_number(self, number):
        """Page 1 always exists (an empty list shows it empty): it needs no count."""
        if self.allow_empty_first_page and str(number).strip() == "1":
            return 1
        return super().validate_number(number)

    def page(self, number):
        """A full page even past the cap (the count alone stops there). The query asks for a
        whole page however few rows were counted: ``LIMIT 1`` for a rare search word made
        PostgreSQL walk the list's index in order, expecting a match within a few rows (10 s
        at a million requests), where ``LIMIT 50`` reads the trigram indexes.

        The first page is read before anything is counted: when it is not full, it is the
        whole list and its rows are the count (a search that finds a few runs its filter
        once, not once to count and again for the page)."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list[bottom : bottom + self.per_page]
        if number == 1 and "counted" not in self.__dict__:
            rows = list(rows)
            if len(rows) < self.per_page:
                self.__dict__["counted"] = len(rows)  # the cached property, known
        return self._get_page(rows, number, self)


class ShortListPaginator(CappedPaginator):
    """For a list short by its nature, whatever the table's size (the requests at risk: a
    clock due within the next working hours): its ids up to the cap in one query, counted and
    sliced here, so its filter is planned and run once a view, not once for the count and
    again for the page. A list longer than the cap pages through the queryset as
    :class:`CappedPaginator` does."""

    @cached_property
    def head(self) -> list:
        return list(self.object_list[: COUNT_CAP + 1])

    @cached_property
    def counted(self) -> int:
        return len(self.head)

    def page(self, number):
        if self.count_is_capped:
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.head[bottom : bottom + self.per_page], number, self)


class KeysetPagination(PageNumberPagination):
    """Newest first by ``(received_at, id)`` (or the subclass's :attr:`order_fields`, oldest
    first when not :attr:`descending`): without ``page``, pages follow a ``cursor`` (the last
    row's key), read through the index of that order however deep; ``page=N`` still works
    (an ``OFFSET``, up to the capped count). ``count`` stops at 10,000 and
    ``count_is_capped`` says the list is longer."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"
    django_paginator_class = CappedPaginator
    order_fields = ("received_at", "id")
    descending = True
    #: What the list holds, in the schema's words.
    rows_word = "requests"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        if self.page_query_param in request.query_params:
            self.keyset = False
            page = super().paginate_queryset(queryset, request, view)
            self.count, self.capped = self.page.paginator.count, self.page.paginator.count_is_capped
            return page
        self.keyset = True
        size = self.get_page_size(request)
        time_field, id_field = self.order_fields
        sign, (within, beyond) = ("-", ("lte", "lt")) if self.descending else ("", ("gte", "gt"))
        ordered = queryset.order_by(f"{sign}{time_field}", f"{sign}{id_field}")
        if position := self._position(request):
            at, pk = position
            # ``<= at`` (``>=`` oldest first) bounds the index scan; the rest drops the rows of
            # ``at`` already shown.
            ordered = ordered.filter(
                Q(**{f"{time_field}__{within}": at}),
                Q(**{f"{time_field}__{beyond}": at})
                | Q(**{time_field: at, f"{id_field}__{beyond}": pk}),
            )
        rows = list(ordered[: size + 1])
        self.has_next = len(rows) > size
        # A first page that holds the whole list is its count; otherwise it is counted.
        counted = len(rows) if position is None and not self.has_next else capped_count(queryset)
        self.count = min(counted, COUNT_CAP)
        self.capped = counted > self.count
        rows = rows[:size]
        self.last = rows[-1] if rows else None
        return rows

    def _position(self, request) -> tuple[datetime, int] | None:
        raw = request.query_params.get(self.cursor_query_param)
        if not raw:
            return None
        try:
            at, _, pk = base64.urlsafe_b64decode(raw.encode()).decode().partition("|")
            return datetime.fromisoformat(at), int(pk)
        except (ValueError, UnicodeDecodeError, binascii.Error) as error:
            raise NotFound("Invalid cursor.") from error

    def get_next_link(self):
        if not self.keyset:
            return super().get_next_link()
        if not self.has_next:
            return None
        time_field, id_field = self.order_fields
        key = f"{getattr(self.last, time_field).isoformat()}|{getattr(self.last, id_field)}"
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        token = base64.urlsafe_b64encode(key.encode()).decode()
        return replace_query_param(url, self.cursor_query_param, token)

    def get_previous_link(self):
        if not self.keyset:
            return super().get_previous_link()
        return None

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_is_capped": self.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        answer = super().get_paginated_response_schema(schema)
        answer["properties"]["count"]["description"] = (
            f"The number of matches, up to {COUNT_CAP:,}."
        )
        answer["properties"]["count_is_capped"] = {
            "type": "boolean",
            "description": f"More than {COUNT_CAP:,} {self.rows_word} match (`count` stops there).",
        }
        answer["properties"]["next"]["description"] = (
            "The next page: a `cursor` after the last row (or `page=N+1` when `page` was given)."
        )
        return answer

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        parameters.append(
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Where the page starts: the `cursor` of the previous page's "
                "`next` link.",
                "schema": {"type": "string"},
            }
        )
        return parameters


class DueKeysetPagination(KeysetPagination):
    """Nearest due first by ``(due_at, id)``, for the clocks."""

    order_fields = ("due_at", "id")
    descending = False
    rows_word = "clocks"


class CallKeysetPagination(KeysetPagination):
    """Newest first by ``(received_at, id)``, for the phone calls (index ``call_received_rings``
    in its order; the count stops at the cap as the requests' does)."""

    rows_word = "calls"
