"""The codes the desk speaks in the API (SPEC §5); labels are translated, codes are not."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RequestKind(models.TextChoices):
    MODIFICATION = "modification", _("Modification")
    NEW_DEVELOPMENT = "new_development", _("New development")
    SCREEN_CHANGE = "screen_change", _("Screen or function change")
    ACCESS_RIGHTS = "access_rights", _("Access-rights change")
    INSTITUTIONAL_CHANGE = "institutional_change", _("Institutional change")
    SUPPORT_INQUIRY = "support_inquiry", _("Support inquiry")
    TRAINING = "training", _("Training")
    BUSINESS_REVIEW = "business_review", _("Business review")
    MATERIALS_REQUEST = "materials_request", _("Materials request")
    MATERIALS_INQUIRY = "materials_inquiry", _("Materials inquiry")
    DATA_PROBLEM = "data_problem", _("Data problem")
    NETWORK_TROUBLE = "network_trouble", _("Network trouble")
    BCP_TROUBLE = "bcp_trouble", _("BCP trouble")
    POWERBASE_TEST = "powerbase_test", _("PowerBase test")
    PENSION_REQUEST = "pension_request", _("Pension request")
    BIZDEV_CONSULTATION = "bizdev_consultation", _("Business-development consultation")
    COMPLAINT = "complaint", _("Complaint")
    HOMEPAGE_INPUT = "homepage_input", _("Homepage input")


class Channel(models.TextChoices):
    PHONE = "phone", pgettext_lazy("channel", "Phone")  # the channel, not a phone number
    EMAIL = "email", _("E-mail")
    HOMEPAGE = "homepage", _("Homepage")
    VISIT = "visit", _("Visit")
    SUPPORT_CENTER = "support_center", _("Support center")
    DOCUMENT = "document", _("Document")
    SMS = "sms", _("SMS")


class Status(models.TextChoices):
    NEW = "new", _("New")
    IN_REVIEW = "in_review", _("In review")
    IN_PROGRESS = "in_progress", _("In progress")
    WAITING = "waiting", _("Waiting on customer")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# Statuses a request may move to from each status; "reopen" is resolved/closed → in progress.
STATUS_FLOW = {
    Status.NEW: (
        Status.IN_REVIEW,
        Status.IN_PROGRESS,
        Status.WAITING,
        Status.RESOLVED,
        Status.CLOSED,
    ),
    Status.IN_REVIEW: (Status.IN_PROGRESS, Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.IN_REVIEW, Status.WAITING, Status.RESOLVED, Status.CLOSED),
    Status.WAITING: (Status.IN_REVIEW, Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED),
    Status.RESOLVED: (Status.CLOSED, Status.IN_PROGRESS),
    Status.CLOSED: (Status.IN_PROGRESS,),
}
OPEN_STATUSES = (Status.NEW, Status.IN_REVIEW, Status.IN_PROGRESS, Status.WAITING)


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class Purpose(models.TextChoices):
    """Why we told the customer something; the catalogue's ``stop_purposes`` name these codes
    (``commitments.vocabulary.PURPOSES``, checked equal in the tests)."""

    FEASIBILITY = "feasibility", _("Feasibility answer")
    RESULT = "result", _("Result")
    ETA = "eta", _("Expected time")
    PROGRESS = "progress", _("Progress update")
    PLAN = "plan", _("Handling plan")
    CALLBACK = "callback", _("Call-back")
    DELAY = "delay", _("Delay notice")
    SCHEDULE = "schedule", _("Schedule and scope")
    FEEDBACK = "feedback", _("Feedback")
    OTHER = "other", _("Other")


class ClockCause(models.TextChoices):
    """Why the desk paused, resumed, stopped, cancelled or recomputed a clock, as the code kept
    in the clock event's ``data["cause"]``; the timeline puts it into the reader's words."""

    COMMUNICATED = "communicated"  # with "purpose"
    UNDER_AN_HOUR = "under_an_hour"
    RESOLVED = "resolved"
    REQUEST_CLOSED = "request_closed"
    WAITING = "waiting"
    STATUS = "status"  # with "status": the status the request moved to
    CHANGED = "changed"  # with "fields" and the "reason" typed, if any
    NO_LONGER_OWED = "no_longer_owed"  # with "fields" and "reason", as CHANGED
    MERGED = "merged"  # with "into": the tracking code of the request that absorbed it
