""" "My cases": a customer sees every case of their e-mail address, by a one-time link.

No password and no account. Asking for the link gets the same answer whether or not the address
has cases (nothing to enumerate); a link is e-mailed only to an address that has some. The link
carries a random token of which only a SHA-256 digest is kept; it works for
``LINK_LIFETIME``, once."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.outbox import notification_enqueue
from requests_desk.homepage.services.surveys import TOKEN_BYTES, token_digest
from requests_desk.models import CaseListLink, Request

LINK_LIFETIME = timedelta(minutes=30)

LINK_TEXT = {
    "ko": (
        "[내 요청 목록] 로그인 링크",
        "아래 링크를 누르면 이 이메일 주소({email})로 접수된 모든 요청과 처리 상태를 볼 수 "
        "있습니다.\n{link}\n"
        "이 링크는 {expires}까지 한 번만 사용하실 수 있습니다. 요청하신 적이 없다면 이 메일을 "
        "무시하셔도 됩니다.",
    ),
    "en": (
        "[My cases] Your sign-in link",
        "Follow this link to see every case filed with this e-mail address ({email}) and its "
        "status.\n{link}\n"
        "The link can be used once, until {expires}. If you did not ask for it, ignore this "
        "message.",
    ),
}


def normalised(email: str) -> str:
    return str(email or "").strip().lower()


def cases_of_address(email: str):
    """Every case filed with ``email``, newest first."""
    return (
        Request.objects.filter(customer__email__iexact=normalised(email))
        .select_related("merged_into")
        .order_by("-received_at", "-id")
    )


def case_list_link_send(*, email: str, language: str, now: datetime | None = None) -> None:
    """E-mail a sign-in link to ``email`` if it has cases; nothing otherwise (the caller
    answers the same either way)."""
    email = normalised(email)
    if not email or not cases_of_address(email).exists():
        return
    now = now or timezone.now()
    language = language if language in LINK_TEXT else "ko"
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        link = CaseListLink.objects.create(
            email=email,
            token_digest=token_digest(token),
            language=language,
            created_at=now,
            expires_at=now + LINK_LIFETIME,
        )
        with translation.override(language):
            path = reverse("public:my-cases-link", kwargs={"token": token})
        subject, body = LINK_TEXT[language]
        expires = timezone.localtime(link.expires_at).strftime("%Y-%m-%d %H:%M") + " KST"
        notification_enqueue(
            idempotency_key=f"case-list-link:{link.pk}",
            step="message",
            channel="email",
            recipient=email,
            language=language,
            subject=subject,
            body=body.format(email=email, link=f"{settings.SITE_URL}{path}", expires=expires),
        )


class LinkClosed(Exception):
    """A link that does not sign in: unknown (``gone`` False, a 404), used or expired (``gone``
    True, a 410)."""

    def __init__(self, message: str, *, gone: bool):
        super().__init__(message)
        self.gone = gone


def case_list_link_check(token: str, *, now: datetime | None = None) -> CaseListLink:
    """The link of ``token`` if it may still sign in, else :class:`LinkClosed`."""
    link = CaseListLink.objects.filter(token_digest=token_digest(token or "")).first()
    _refuse_closed(link, now=now or timezone.now())
    return link


def case_list_link_use(token: str, *, now: datetime | None = None) -> str:
    """Sign in with the link, which then never works again; the e-mail address it is for."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            CaseListLink.objects.select_for_update()
            .filter(token_digest=token_digest(token or ""))
            .first()
        )
        _refuse_closed(link, now=now)
        link.used_at = now
        link.save(update_fields=["used_at"])
    return link.email


def _refuse_closed(link: CaseListLink | None, *, now: datetime) -> None:
    if link is None:
        raise LinkClosed(_("This sign-in link is not valid."), gone=False)
    if link.used_at is not None:
        raise LinkClosed(
            _("This sign-in link has already been used. Ask for a new one."), gone=True
        )
    if link.expires_at <= now:
        raise LinkClosed(_("This sign-in link has expired. Ask for a new one."), gone=True)


@dataclass(frozen=True)
class CaseRow:
    request: Request
    answer_due: datetime | None  # the next answer we owe, when the case is open

    @property
    def follow_code(self) -> str:
        """The code the tracking page shows it under: a merged case's survivor's."""
        return (
            self.request.merged_into.tracking_code
            if self.request.merged_into_id
            else (self.request.tracking_code)
        )


def case_rows(email: str, *, now: datetime | None = None) -> list[CaseRow]:
    now = now or timezone.now()
    return [
        CaseRow(
            request=case,
            answer_due=case.next_due_at
            if case.is_open and case.next_due_at is not None and case.next_due_at > now
            else None,
        )
        for case in cases_of_address(email)
    ]
