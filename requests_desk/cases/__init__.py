"""A customer's case, the core every product of the app shares: the request and its customer,
its clocks, what we told the customer, phone calls and visits, the timeline, the messages and
attachments. Every write the staff desk, the homepage and the API make to a case goes through
these services.

Keyword-only, each in one transaction; bad input raises :class:`DeskError` (field errors), a
stale ``version`` raises :class:`StaleEdit`."""

from requests_desk.cases.calls import call_log, call_record_callback, visit_log
from requests_desk.cases.clocks import request_clocks
from requests_desk.cases.communications import (
    request_communicate,
    request_support_under_an_hour,
)
from requests_desk.cases.customers import customer_find_or_create, personal_data_read
from requests_desk.cases.errors import DeskError, StaleEdit
from requests_desk.cases.requests import (
    request_add_note,
    request_create,
    request_latest_handoff,
    request_set_status,
    request_transfer,
    request_update,
)
from requests_desk.cases.timeline import TimelineEntry, request_timeline

__all__ = [
    "DeskError",
    "StaleEdit",
    "TimelineEntry",
    "call_log",
    "call_record_callback",
    "customer_find_or_create",
    "personal_data_read",
    "request_add_note",
    "request_clocks",
    "request_communicate",
    "request_create",
    "request_latest_handoff",
    "request_set_status",
    "request_support_under_an_hour",
    "request_timeline",
    "request_transfer",
    "request_update",
    "visit_log",
]
