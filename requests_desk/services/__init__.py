"""The desk's services: every write the staff UI and the API make goes through these.

Keyword-only, each in one transaction; bad input raises :class:`DeskError` (field errors), a
stale ``version`` raises :class:`StaleEdit`."""

from requests_desk.services.calls import call_log, call_record_callback, visit_log
from requests_desk.services.clocks import request_clocks
from requests_desk.services.communications import (
    request_communicate,
    request_support_under_an_hour,
)
from requests_desk.services.customers import customer_find_or_create
from requests_desk.services.errors import DeskError, StaleEdit
from requests_desk.services.public import (
    case_find,
    case_public,
    commendation_submit,
    complaint_submit,
    customer_reply,
)
from requests_desk.services.requests import (
    request_add_note,
    request_create,
    request_latest_handoff,
    request_set_status,
    request_transfer,
    request_update,
)
from requests_desk.services.timeline import TimelineEntry, request_timeline

__all__ = [
    "DeskError",
    "StaleEdit",
    "TimelineEntry",
    "call_log",
    "call_record_callback",
    "case_find",
    "case_public",
    "commendation_submit",
    "complaint_submit",
    "customer_find_or_create",
    "customer_reply",
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
