from requests_desk.models.contacts import PhoneCall, Visit
from requests_desk.models.customers import CustomerContact, Organisation
from requests_desk.models.requests import Activity, ActivityKind, Request
from requests_desk.models.rules import ClockRule

__all__ = [
    "Activity",
    "ActivityKind",
    "ClockRule",
    "CustomerContact",
    "Organisation",
    "PhoneCall",
    "Request",
    "Visit",
]
