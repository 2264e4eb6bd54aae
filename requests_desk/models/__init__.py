from requests_desk.models.contacts import PhoneCall, Visit
from requests_desk.models.customers import CustomerContact, Organisation
from requests_desk.models.replies import CannedReply
from requests_desk.models.requests import Activity, ActivityEvent, ActivityKind, Request
from requests_desk.models.rules import ClockRule
from requests_desk.models.sign_in import CaseListLink
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
    "CannedReply",
    "CaseListLink",
    "ClockRule",
    "Commendation",
    "CommendationState",
    "CustomerContact",
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
