"""What customers do on the homepage without an account: file a complaint, inquiry or request,
follow it by tracking code and e-mail, reply to it, and commend an employee.

The input is checked by the homepage's forms (:mod:`requests_desk.homepage.forms`), which the
public API reads through too; these take the cleaned values, keep each record only once its
model's rules pass, and raise :class:`DeskError` (field errors) for what the case's state
refuses (a reply to a closed case).
"""

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.bulk import row_insert
from commitments.memo import catalogue_remembered
from commitments.models import Division, Service, Team
from commitments.subjects import REQUEST_SUBJECT
from notifications.outbox import notification_enqueue
from requests_desk.cases._common import bump, default_team, lock, request_url
from requests_desk.cases.attachments import (
    CheckedFile,
    attachment_store,
    attachments_store,
)
from requests_desk.cases.clocks import clocks_prepare_owed
from requests_desk.cases.customers import customer_find_or_create
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.cases.merge import request_family, request_survivor
from requests_desk.cases.requests import request_create, request_set_status
from requests_desk.cases.timeline_words import activity_words
from requests_desk.models import (
    Activity,
    ActivityEvent,
    ActivityKind,
    Commendation,
    HomepageSubmission,
    PublicCategory,
    Request,
    UnkindServiceReport,
)
from requests_desk.models.requests import BODY_MAX
from requests_desk.vocabulary import Channel, RequestKind, Status

#: Complaints owe the manager's feedback (``voice.complaint-feedback``); everything from the
#: homepage owes a same-day first answer (``common.homepage-input``, by channel).
KIND_OF_CATEGORY = {
    PublicCategory.COMPLAINT: RequestKind.COMPLAINT,
    PublicCategory.UNKIND_SERVICE: RequestKind.COMPLAINT,
    PublicCategory.INQUIRY: RequestKind.HOMEPAGE_INPUT,
    PublicCategory.REQUEST: RequestKind.HOMEPAGE_INPUT,
}


def complaint_submit(
    *,
    name: str,
    organisation: str,
    email: str,
    category: str,
    subject: str,
    message: str,
    phone: str = "",
    occasion: str = "",
    employee_name: str = "",
    service: Service | None = None,
    attachment: CheckedFile | None = None,
    language: str = "ko",
) -> Request:
    """File what a customer sent from the homepage, with their consent to the collection of
    their data (:class:`~requests_desk.homepage.forms.ComplaintForm` asks for it and checks the
    input), as a request of channel ``homepage``.

    1. The record of how it came in (category, language, the consent text's version) and an
       unkind-service report are checked by their models' rules before anything is saved.
    2. The request goes to the chosen service's division and team; "not sure" (no service)
       goes to ``CHARTER_PUBLIC_DIVISION`` / ``CHARTER_PUBLIC_TEAM``, so it belongs to a team
       and every escalation reaches someone.
    3. The customer is found by e-mail at their organisation, or created — a known customer's
       record is never changed: the name and phone typed are kept on the submission, "given on
       this case", for staff to accept; the request starts
       its clocks and the acknowledgement (with the tracking code) goes to the outbox; the
       submission, the report and the attachment are kept beside it.
    """
    submission = _submission(category=category, language=language, name=name, phone=phone)
    unkind = category == PublicCategory.UNKIND_SERVICE
    report = _unkind_report(occasion, employee_name) if unkind else None
    division, team = _placement(service)
    with transaction.atomic(savepoint=False):  # a failed write fails the caller's too
        customer = customer_find_or_create(
            name=name, organisation=organisation, email=email, phone=phone, public=True
        )
        request = request_create(
            actor=None,
            kind=KIND_OF_CATEGORY[category],
            channel=Channel.HOMEPAGE,
            division=division,
            team=team,
            service=service,
            customer=customer,
            subject=subject,
            body=message,
        )
        submission.request = request
        submission.consent_at = request.created_at
        row_insert(submission)
        if report is not None:
            _unkind_report_file(report, request=request)
        if attachment is not None:
            attachment_store(request, attachment.upload, kind=attachment.kind)
    return request


def complaint_catalogue_warm_up(now: datetime | None = None) -> int:
    """Read in advance, in this process, what a homepage complaint reads from the catalogue
    the first time: the services and where "not sure" goes, the clock rules each service's
    complaints fit and the frozen terms of the clocks they start (per commitment, calendar and
    year) — a web worker's first complaint ran 22 more queries than the next ones. The clocks
    are prepared, not saved: nothing is written but terms never frozen before, which that
    first complaint would have written. How many clocks were prepared."""
    now = now or timezone.now()
    prepared = 0
    for service in [*public_team_choices(), None]:
        division, team = _placement(service)
        team = team or default_team(division=division, service=service)
        for kind in sorted(set(KIND_OF_CATEGORY.values())):
            unsaved = Request(
                kind=kind,
                channel=Channel.HOMEPAGE,
                division=division,
                team=team,
                service=service,
                received_at=now,
            )
            prepared += len(clocks_prepare_owed(unsaved, now=now))
    return prepared


def _submission(*, category: str, language: str, name: str, phone: str) -> HomepageSubmission:
    """How a case came in, and who the customer said they were, checked before its request
    exists (consent given now)."""
    submission = HomepageSubmission(
        category=category,
        consent_at=timezone.now(),
        consent_version=settings.CHARTER_CONSENT_VERSION,
        language=(language or "")[:10],
        given_name=name.strip(),
        given_phone=(phone or "").strip(),
    )
    return full_clean(submission, exclude=("request",))


def public_team_choices() -> list[Service]:
    """Services a customer can choose from, by division (for the form's select), with the
    division's calendar and the team a complaint about each goes to; remembered until the
    catalogue changes."""
    return catalogue_remembered(
        "public-services",
        (),
        lambda: list(
            Service.objects.select_related("division__calendar", "team").order_by(
                "division__code", "code"
            )
        ),
    )


def _placement(service: Service | None) -> tuple[Division, Team | None]:
    if service is not None:
        return service.division, service.team if service.team_id else None
    return catalogue_remembered(
        "public-placement",
        (settings.CHARTER_PUBLIC_DIVISION, settings.CHARTER_PUBLIC_TEAM),
        _public_placement,
    )


def _public_placement() -> tuple[Division, Team | None]:
    """Where a complaint about no service in particular goes (with the division's calendar)."""
    team = (
        Team.objects.select_related("division__calendar")
        .filter(code=settings.CHARTER_PUBLIC_TEAM, division__code=settings.CHARTER_PUBLIC_DIVISION)
        .first()
    )
    if team is not None:
        return team.division, team
    divisions = Division.objects.select_related("calendar")
    division = divisions.filter(code=settings.CHARTER_PUBLIC_DIVISION).first()
    if division is None:  # a misconfigured code must not lose a customer's complaint
        division = divisions.order_by("code").first()
    return division, division.teams.filter(code=settings.CHARTER_PUBLIC_TEAM).first()


def _unkind_report(occasion: str, employee_name: str) -> UnkindServiceReport:
    """An unkind-service report, checked before its request exists."""
    report = UnkindServiceReport(occasion=occasion, employee_name=employee_name)
    return full_clean(report, exclude=("request", "division"))


def _unkind_report_file(report: UnkindServiceReport, *, request: Request) -> None:
    """Keep the report for a manager of the request's division, and put the occasion on the
    request's timeline for staff (an internal note)."""
    report.request = request
    report.division = request.division
    report.save()
    occasion, employee_name = report.occasion, report.employee_name
    Activity.objects.create(
        request=request,
        kind=ActivityKind.NOTE,
        event=ActivityEvent.UNKIND_REPORTED,
        at=request.received_at,
        recorded_at=request.created_at,
        text=occasion[:BODY_MAX],
        data={"unkind_report": True, "employee_name": employee_name},
    )


# --- Following a case -----------------------------------------------------------------------


def case_find(*, tracking_code, email) -> Request | None:
    """The request with this tracking code whose customer gave this e-mail, else ``None`` — the
    same ``None`` for an unknown code as for a wrong e-mail, found the same way."""
    code = "".join(str(tracking_code or "").split()).replace("-", "").upper()
    given = str(email or "").strip().lower()
    if not code or len(code) > 16 or "\x00" in code or "\x00" in given:
        return None
    request = (
        Request.objects.select_related("customer", "division").filter(tracking_code=code).first()
    )
    actual = request.customer.email.lower() if request is not None else ""
    # Compared in constant time, and compared even when there is no case.
    same = hmac.compare_digest(actual.encode(), given.encode())
    if request is None or not actual or not same:
        return None
    # A duplicate merged into another case leads to the case that absorbed it.
    return request_survivor(request)


@dataclass(frozen=True)
class PublicEntry:
    at: datetime
    kind: str  # communication | customer_message | status
    label: str
    text: str = ""
    detail: str = ""
    files: tuple = ()  # attachments the customer may fetch


@dataclass(frozen=True)
class PublicCase:
    request: Request
    status: str
    status_label: str
    received_at: datetime
    expected_completion: date | None
    answer_due: datetime | None
    entries: list[PublicEntry] = field(default_factory=list)

    @property
    def can_reply(self) -> bool:
        return self.status != Status.CLOSED

    @property
    def status_help(self) -> str:
        """What the status means for the customer: what we are doing, what they may do."""
        return str(STATUS_HELP.get(self.status, ""))


#: The status in one sentence a customer understands (the tracking page, under the badge).
STATUS_HELP = {
    Status.NEW: gettext_lazy("We have your case and will contact you by the time shown below."),
    Status.IN_REVIEW: gettext_lazy("We are checking what your case needs."),
    Status.IN_PROGRESS: gettext_lazy(
        "We are working on your case. We will tell you when something changes."
    ),
    Status.WAITING: gettext_lazy(
        "We are waiting for an answer from you: please reply below or to our last message."
    ),
    Status.RESOLVED: gettext_lazy(
        "We consider your case resolved. If it is not, write to us below and we reopen it."
    ),
    Status.CLOSED: gettext_lazy("Your case is closed."),
}


def case_public(request: Request) -> PublicCase:
    """What the customer may see of their case: its status, what we told them and what they
    wrote (``Activity.public``), never internal notes, names of staff or clock internals — in
    the words of the language they read the page in."""
    entries = []
    family = Activity.objects.filter(
        request_id__in=request_family(request), public=True
    ).prefetch_related("attachments")
    for activity in family.order_by("at", "pk"):
        if activity.kind == ActivityKind.COMMUNICATION:
            words = activity_words(activity)
            entries.append(
                PublicEntry(
                    at=activity.at,
                    kind="communication",
                    label=_("Our answer"),
                    text="\n".join([*words.lines, words.text]).strip(),
                    detail=str(activity.get_purpose_display()) if activity.purpose else "",
                    files=tuple(activity.attachments.all()),
                )
            )
        elif activity.kind == ActivityKind.CUSTOMER_MESSAGE:
            entries.append(
                PublicEntry(
                    at=activity.at,
                    kind="customer_message",
                    label=_("Your message"),
                    text=activity.text,
                    files=tuple(activity.attachments.all()),
                )
            )
        elif activity.event == ActivityEvent.MERGED_INTO:
            entries.append(
                PublicEntry(
                    at=activity.at,
                    kind="merged",
                    label=_("Merged with this case"),
                    # Only the portal's words: the note staff typed is internal.
                    text="\n".join(activity_words(activity).lines[:1]),
                )
            )
        elif activity.kind == ActivityKind.STATUS:
            entries.append(
                PublicEntry(
                    at=activity.at,
                    kind="status",
                    label=_("Status: %(status)s")
                    % {"status": Status(activity.to_status).label if activity.to_status else ""},
                    # The note staff wrote with a status change is internal: the customer
                    # sees only the new status.
                    text="",
                )
            )
    now = timezone.now()
    due = request.next_due_at if request.is_open else None
    return PublicCase(
        request=request,
        status=request.status,
        status_label=str(request.get_status_display()),
        received_at=request.received_at,
        expected_completion=request.expected_completion,
        answer_due=due if due is not None and due > now else None,
        entries=entries,
    )


def customer_reply(
    request: Request,
    *,
    message: str,
    channel: str = Channel.HOMEPAGE,
    files: Sequence[CheckedFile] = (),
) -> Activity:
    """Add the customer's message (and its checked ``files``) to their case, where staff see
    it, and tell the person who has it (the assignee, else the team's manager, else the
    division head) by e-mail. ``channel``: how it came, the tracking page or an e-mail
    (:mod:`requests_desk.mail`).

    A resolved case is reopened (in progress), as a service desk does when the customer writes
    back; a closed case takes no more messages — the customer files a new request."""
    now = timezone.now()
    with transaction.atomic():
        locked = lock(request)
        if locked.status == Status.CLOSED:
            raise DeskError(
                {
                    "message": [
                        _(
                            "This case is closed and takes no more messages. Please file a new "
                            "request and mention the tracking code %(code)s."
                        )
                        % {"code": locked.tracking_code}
                    ]
                }
            )
        activity = Activity.objects.create(
            request=locked,
            kind=ActivityKind.CUSTOMER_MESSAGE,
            at=now,
            recorded_at=now,
            text=message,
            channel=channel,
            public=True,
        )
        attachments_store(locked, files, activity=activity, from_customer=True)
        bump(locked)
        if locked.status == Status.RESOLVED:
            request_set_status(
                locked,
                actor=None,
                status=Status.IN_PROGRESS,
                event=ActivityEvent.CUSTOMER_REOPENED,
            )
        elif locked.status == Status.WAITING:
            # What we were waiting for has come: the paused clocks run again.
            request_set_status(
                locked,
                actor=None,
                status=Status.IN_PROGRESS,
                event=ActivityEvent.CUSTOMER_WROTE_BACK,
            )
        _tell_staff(locked, activity)
    request.refresh_from_db()
    return activity


def _tell_staff(request: Request, activity: Activity) -> None:
    person = request.assignee or (request.team.manager if request.team else None)
    person = person or request.division.head
    if person is None or not person.email:
        return
    link = f"{settings.SITE_URL}{request_url(request)}"
    notification_enqueue(
        idempotency_key=f"request:{request.pk}:customer-message:{activity.pk}",
        step="message",
        channel="email",
        recipient=person.email,
        recipient_user=person,
        subject=f"[고객 메시지 / Customer message] {request.tracking_code} {request.subject}",
        body=(
            f"{request.customer.name}님({request.customer.organisation.name})이 메시지를 "
            f"보냈습니다.\n{request.customer.name} ({request.customer.organisation.name}) wrote:"
            f"\n\n{activity.text}\n\n{link}"
        ),
        subject_type=REQUEST_SUBJECT,
        subject_id=request.pk,
    )


# --- Commendations --------------------------------------------------------------------------


def commendation_submit(
    *,
    employee_name: str,
    team: Team,
    nominator_name: str,
    nominator_email: str,
    reason: str,
    nominator_organisation: str = "",
) -> Commendation:
    """Record a customer's nomination of an employee, with the nominator's consent to the
    collection of their data (:class:`~requests_desk.homepage.forms.CommendForm` asks for it and
    checks the input), and route it to the team's manager (the division head when the team has
    none), who is told by e-mail. The employee is linked when the name matches exactly one
    member of the team."""
    commendation = Commendation(
        division=team.division,
        team=team,
        employee_name=employee_name,
        nominator_name=nominator_name,
        nominator_organisation=nominator_organisation,
        nominator_email=nominator_email.lower(),
        reason=reason,
        consent_at=timezone.now(),
        consent_version=settings.CHARTER_CONSENT_VERSION,
        routed_to=team.manager or team.division.head,
    )
    full_clean(commendation)
    commendation.employee = _member_named(team, employee_name)
    with transaction.atomic():
        commendation.save()
        _manager_tell(commendation)
    return commendation


def _manager_tell(commendation: Commendation) -> None:
    routed_to, team = commendation.routed_to, commendation.team
    if routed_to is None or not routed_to.email:
        return
    notification_enqueue(
        idempotency_key=f"commendation:{commendation.pk}:routed",
        step="message",
        channel="email",
        recipient=routed_to.email,
        recipient_user=routed_to,
        subject=f"[칭찬 접수 / Commendation] {commendation.employee_name}",
        body=(
            f"{commendation.nominator_name}님이 {team.name_ko}의 "
            f"{commendation.employee_name}님을 칭찬했습니다.\n"
            f"{commendation.nominator_name} commended {commendation.employee_name} "
            f"({team.name_en}).\n\n{commendation.reason}"
        ),
        subject_type="commendation",
        subject_id=commendation.pk,
    )


def _member_named(team: Team, name: str):
    """The one member of ``team`` whose name (or user name) is ``name``; ``None`` if none or
    several are."""
    wanted = "".join(name.split()).casefold()
    matches = [
        user
        for user in get_user_model()
        .objects.filter(Q(teams=team) | Q(managed_teams=team))
        .distinct()
        if wanted
        in {
            "".join(f"{user.first_name}{user.last_name}".split()).casefold(),
            "".join(f"{user.last_name}{user.first_name}".split()).casefold(),
            user.get_username().casefold(),
        }
    ]
    return matches[0] if len(matches) == 1 else None
