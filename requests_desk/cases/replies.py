"""Canned replies filled in for a case: the text staff start from when they tell the customer
something. What is stored and sent is the text as rendered (and edited, if it was)."""

from django.db.models import QuerySet

from commitments.memo import catalogue_remembered
from requests_desk.cases._common import local
from requests_desk.models import CannedReply, Request

NOTHING = "—"


def canned_replies_offered() -> QuerySet[CannedReply]:
    return CannedReply.objects.filter(active=True).order_by("language", "purpose", "title")


def canned_replies_remembered() -> list[CannedReply]:
    """The replies :func:`canned_replies_offered` reads, remembered per process with the
    catalogue (a reply saved or deleted moves its version): every request page offers them."""
    return catalogue_remembered("canned-replies", (), lambda: list(canned_replies_offered()))


def canned_reply_render(reply: CannedReply, *, request: Request) -> str:
    """``reply``'s text for ``request``: the customer, the tracking code, the next answer due
    (Korean time) and the assignee (else the team), named in the reply's language."""
    english = reply.language == "en"
    due = request.next_due_at
    return reply.render(
        {
            "customer": request.customer.name,
            "organisation": request.customer.organisation.name,
            "tracking_code": request.tracking_code,
            "due": local(due) if due is not None else NOTHING,
            "assignee": _assignee(request, english=english),
        }
    )


def _assignee(request: Request, *, english: bool) -> str:
    if request.assignee is not None:
        return request.assignee.get_full_name() or request.assignee.get_username()
    if request.team is not None:
        return (request.team.name_en if english else request.team.name_ko) or request.team.name
    return NOTHING
