from requests_desk.models.contacts import PhoneCall, Visit
from requests_desk.models.customers import CustomerContact, CustomerDataRead, Organisation
from requests_desk.models.requests import Activity, ActivityEvent, ActivityKind, Request
from requests_desk.models.rules import ClockRule
from requests_desk.models.voice import (
    Attachment,
    Commendation,
    CommendationState,
    GiftCoupon,
    HomepageSubmission,
    PublicCategory,
    ReportState,
    SurveyInvitation,
    SurveyResponse,
    SurveySource,
    UnkindServiceReport,
)

__all__ = [
    "Activity",
    "ActivityEvent",
    "ActivityKind",
    "Attachment",
    "ClockRule",
    "Commendation",
    "CommendationState",
    "CustomerContact",
    "CustomerDataRead",
    "GiftCoupon",
    "HomepageSubmission",
    "Organisation",
    "PhoneCall",
    "PublicCategory",
    "ReportState",
    "Request",
    "SurveyInvitation",
    "SurveyResponse",
    "SurveySource",
    "UnkindServiceReport",
    "Visit",
]
