"""Satisfaction scores: the one-time survey link a resolved case earns, its answer, and the
scores staff record while monitoring phone calls (``voice.survey-publish``).

When a case is resolved the customer gets one link by e-mail. A real desk does not ask twice
about the same case in a short time: a case reopened and resolved again within
``SURVEY_RESEND_DAYS`` of its last invitation (answered or not) gets no new one; after that a
new resolution is new work and is asked about again. A case closed without being resolved
(withdrawn, a duplicate) is not asked about. The link carries a random token of which only a
SHA-256 digest is stored; it works ``SURVEY_LINK_DAYS`` days, once.
"""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from commitments.access import may_see_division
from commitments.models import Division, Team
from commitments.subjects import REQUEST_SUBJECT
from notifications.outbox import notification_enqueue
from requests_desk.cases._common import instant
from requests_desk.cases.customers import customer_language
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import PhoneCall, Request
from requests_desk.models.voice import SurveyInvitation, SurveyResponse, SurveySource

TOKEN_BYTES = 32


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


# --- the invitation -------------------------------------------------------------------------

INVITATION_TEXT = {
    "ko": (
        "[만족도 조사] {tracking} 처리에 대한 의견을 들려주세요",
        "{name}님, 요청(접수번호 {tracking}, 제목: {subject})의 처리가 완료되었습니다.\n"
        "서비스에 얼마나 만족하셨는지 1~5점으로 알려 주시면 서비스 개선에 반영하겠습니다.\n"
        "{link}\n"
        "이 링크는 {expires}까지 한 번만 사용하실 수 있습니다.",
    ),
    "en": (
        "[Satisfaction survey] How did we handle {tracking}?",
        "Dear {name}, your request (tracking code {tracking}, subject: {subject}) has been"
        " resolved.\n"
        "Please tell us how satisfied you are, from 1 to 5; we use every answer to improve.\n"
        "{link}\n"
        "The link can be used once, until {expires}.",
    ),
}


def survey_invite_on_resolution(request: Request, *, now: datetime) -> SurveyInvitation | None:
    """Invite the customer of a case just resolved to rate it, unless they were invited about
    it recently or left no e-mail address; called by the status change, in its transaction."""
    recipient = request.customer.email
    if not recipient:
        return None
    recent = now - timedelta(days=settings.SURVEY_RESEND_DAYS)
    if request.survey_invitations.filter(created_at__gt=recent).exists():
        return None
    token = secrets.token_urlsafe(TOKEN_BYTES)
    invitation = SurveyInvitation.objects.create(
        request=request,
        token_digest=token_digest(token),
        sent_to=recipient,
        created_at=now,
        expires_at=now + timedelta(days=settings.SURVEY_LINK_DAYS),
    )
    language = customer_language(request)
    with translation.override(language):
        path = reverse("surveys:answer", kwargs={"token": token})
    subject, body = INVITATION_TEXT[language]
    expires = timezone.localtime(invitation.expires_at)
    values = {
        "name": request.customer.name,
        "tracking": request.tracking_code,
        "subject": request.subject,
        "link": f"{settings.SITE_URL}{path}",
        "expires": expires.strftime("%Y-%m-%d %H:%M") + " KST",
    }
    notification_enqueue(
        idempotency_key=f"survey-invitation:{invitation.pk}",
        step="message",
        channel="email",
        recipient=recipient,
        language=language,
        subject=subject.format(**values),
        body=body.format(**values),
        subject_type=REQUEST_SUBJECT,
        subject_id=request.pk,
    )
    return invitation


# --- the answer -----------------------------------------------------------------------------


class SurveyLinkError(Exception):
    """A link that cannot be answered: unknown (``gone`` False, a 404), or used or expired
    (``gone`` True, a 410)."""

    def __init__(self, message: str, *, gone: bool):
        super().__init__(message)
        self.gone = gone


def survey_invitation_open(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    """The invitation of a link that may still be answered, or :class:`SurveyLinkError`."""
    now = now or timezone.now()
    invitation = (
        SurveyInvitation.objects.select_related("request")
        .filter(token_digest=token_digest(token or ""))
        .first()
    )
    _refuse_closed(invitation, now=now)
    return invitation


def _refuse_closed(invitation: SurveyInvitation | None, *, now: datetime) -> None:
    if invitation is None:
        raise SurveyLinkError(_("This survey link is not valid."), gone=False)
    if invitation.used_at is not None:
        raise SurveyLinkError(
            _("This survey link has already been used. Thank you: your answer was recorded."),
            gone=True,
        )
    if invitation.expires_at <= now:
        raise SurveyLinkError(
            _("This survey link expired on %(at)s.")
            % {"at": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d")},
            gone=True,
        )


def survey_answer(*, token: str, score: int, comment: str = "") -> SurveyResponse:
    """Record the customer's score (the homepage's ``SurveyAnswerForm`` reads
    it); the link is spent. The invitation's row is locked, so of two answers sent at once the
    second finds the link used."""
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("request")
            .filter(token_digest=token_digest(token or ""))
            .first()
        )
        _refuse_closed(invitation, now=now)
        request = invitation.request
        response = SurveyResponse(
            source=SurveySource.CUSTOMER,
            division_id=request.division_id,
            team_id=request.team_id,
            request=request,
            invitation=invitation,
            score=score,
            comment=comment,
            at=now,
        )
        full_clean(response)
        response.save()
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
    return response


# --- phone monitoring -----------------------------------------------------------------------


def phone_score_record(
    *,
    actor,
    division: Division,
    score: int,
    team: Team | None = None,
    call: PhoneCall | None = None,
    comment: str = "",
    at: datetime | None = None,
) -> SurveyResponse:
    """A score given while monitoring phone service (:class:`~requests_desk.homepage.voice_forms.
    PhoneScoreForm` reads it), for one of the actor's divisions (and a team of it), optionally
    about one logged call of that division."""
    if not may_see_division(actor, division.pk):
        raise DeskError({"division": [_("You may only record scores for your own division(s).")]})
    response = SurveyResponse(
        source=SurveySource.PHONE_MONITORING,
        division=division,
        team=team,
        call=call,
        request_id=call.request_id if call else None,
        score=score,
        comment=comment,
        at=instant(at, field="at", now=timezone.now()),
        recorded_by=actor,
    )
    full_clean(response)
    response.save()
    return response
