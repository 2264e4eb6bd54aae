"""Messages to the customer through the outbox: the acknowledgement, logged communications,
and the notice that a case was merged into another.

Bodies are Korean then English where the customer's language is not known (it is for a case
filed on the homepage); instants are shown in Asia/Seoul, e.g. "9월 28일(월) 15:00" /
"Mon 28 Sep 15:00".
"""

from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from commitments.instant_words import en_instant, ko_instant
from commitments.models import Deadline
from commitments.subjects import REQUEST_SUBJECT
from notifications.models import Notification
from notifications.outbox import notification_enqueue
from requests_desk.cases.attachments import attachments_for_mail
from requests_desk.cases.customers import case_phone, customer_language
from requests_desk.models import Activity, InboundMessage, InboundOutcome, Request

# What the earliest clock promises, in the customer's words.
PROMISES = {
    "feasibility": (
        "수용 여부를 {ko}까지 알려드리겠습니다.",
        "We will tell you whether it is feasible by {en}.",
    ),
    "result": (
        "처리 결과를 {ko}까지 알려드리겠습니다.",
        "We will inform you of the result by {en}.",
    ),
    "eta": (
        "처리 예정 시간을 {ko}까지 알려드리겠습니다.",
        "We will tell you the expected time by {en}.",
    ),
    "plan": ("처리 계획을 {ko}까지 알려드리겠습니다.", "We will tell you our plan by {en}."),
    "schedule": (
        "일정과 범위를 {ko}까지 알려드리겠습니다.",
        "We will tell you the schedule and scope by {en}.",
    ),
    "feedback": (
        "처리 결과에 대한 피드백을 {ko}까지 드리겠습니다.",
        "We will give you feedback by {en}.",
    ),
    "progress": ("{ko}까지 진행 상황을 알려드리겠습니다.", "We will report our progress by {en}."),
    "callback": ("{ko}까지 다시 연락드리겠습니다.", "We will call you back by {en}."),
}
DEFAULT_PROMISE = ("{ko}까지 답변드리겠습니다.", "We will answer you by {en}.")


def acknowledgement_enqueue(
    request: Request, *, clocks: list[Deadline], in_reply_to: str = ""
) -> None:
    """Tell the customer we have their request, its tracking code, and the earliest promise."""
    customer = request.customer
    channel, recipient = (
        ("email", customer.email) if customer.email else ("sms", case_phone(request))
    )
    if not recipient:
        return  # a caller who left neither: the person on the phone heard it instead
    ko = [f"{customer.name}님, 요청을 접수했습니다. 접수번호: {request.tracking_code}"]
    en = [
        f"Dear {customer.name}, we have received your request."
        f" Tracking code: {request.tracking_code}"
    ]
    earliest = min(clocks, key=lambda c: c.due_at, default=None)
    if earliest is not None:
        purposes = earliest.params.get("stop_purposes") or []
        ko_text, en_text = (
            PROMISES.get(purposes[0], DEFAULT_PROMISE) if len(purposes) == 1 else DEFAULT_PROMISE
        )
        ko.append(ko_text.format(ko=ko_instant(earliest.due_at)))
        en.append(en_text.format(en=en_instant(earliest.due_at)))
    ko.append(f"제목: {request.subject}")
    en.append(f"Subject: {request.subject}")
    if channel == "email":
        # The link names the case; the page still asks for this e-mail (the link never has it).
        ko.append(f"진행 상황 확인: {tracking_link('ko', request.tracking_code)}")
        en.append(f"Follow your case: {tracking_link('en', request.tracking_code)}")
    notification_enqueue(
        idempotency_key=f"request:{request.pk}:ack",
        step="acknowledgement",
        channel=channel,
        recipient=recipient,
        in_reply_to=in_reply_to,
        subject=f"[접수 확인 / Request received] {request.tracking_code} {request.subject}",
        body="\n".join(ko) + "\n\n" + "\n".join(en),
        subject_type=REQUEST_SUBJECT,
        subject_id=request.pk,
    )


def tracking_link(language: str, code: str = "") -> str:
    """The public tracking page's address in ``language`` (absolute when SITE_URL is set), for
    the case ``code`` when given."""
    track, case = _tracking_paths(language)
    path = case.replace(_ANY_CODE, quote(code, safe="")) if code else track
    return f"{settings.SITE_URL}{path}"


#: Stands for a tracking code in the paths :func:`_tracking_paths` keeps.
_ANY_CODE = "CODE0TRACKING0CODE"


@lru_cache(maxsize=8)
def _tracking_paths(language: str) -> tuple[str, str]:
    """The tracking page's path in ``language``, and a case's (with :data:`_ANY_CODE`):
    resolved once per language, not with the language switched for every message."""
    with translation.override(language):
        return reverse("public:track"), reverse("public:track-case", args=[_ANY_CODE])


def message_enqueue(
    request: Request, activity: Activity, *, recipient: str, attachments=()
) -> Notification:
    """A communication logged on the e-mail or SMS channel, sent to the customer; an e-mail
    carries the files attached to it (an SMS cannot: the customer finds them on the tracking
    page)."""
    heading = f"[{request.tracking_code}] {request.subject}"
    return notification_enqueue(
        idempotency_key=f"request:{request.pk}:message:{activity.pk}",
        step="message",
        channel=activity.channel,
        recipient=recipient,
        in_reply_to=last_customer_email(request) if activity.channel == "email" else "",
        subject=heading,
        body=activity.text if activity.channel == "sms" else f"{heading}\n\n{activity.text}",
        subject_type=REQUEST_SUBJECT,
        subject_id=request.pk,
        attachments=attachments_for_mail(attachments) if activity.channel == "email" else [],
    )


def last_customer_email(request: Request) -> str:
    """The Message-ID of the customer's latest e-mail on the case ("" if none): our answer
    names it, so it threads under what they wrote."""
    return (
        InboundMessage.objects.filter(
            request=request,
            outcome__in=[InboundOutcome.NEW_CASE, InboundOutcome.REPLY],
        )
        .exclude(message_id="")
        .order_by("-received_at", "-pk")
        .values_list("message_id", flat=True)
        .first()
        or ""
    )


# The notice to the customer of a merged case, by language: (subject, body).
MERGED_TEXT = {
    "ko": (
        "[{code}] 요청이 접수번호 {survivor} 건과 합쳐졌습니다",
        "{name}님, 접수번호 {code}로 보내 주신 요청은 같은 내용의 접수번호 {survivor} 건과"
        " 합쳐 함께 처리합니다.\n"
        "앞으로의 진행 상황은 접수번호 {survivor}에서 확인하실 수 있습니다.\n"
        "진행 상황 확인: {link}",
    ),
    "en": (
        "[{code}] Your request is now handled with {survivor}",
        "Dear {name}, your request {code} concerns the same matter as request {survivor}, and"
        " the two are now handled together.\n"
        "Follow its progress under the tracking code {survivor} from now on.\n"
        "Follow your case: {link}",
    ),
}


def merge_notice_enqueue(absorbed: Request, *, survivor: Request) -> Notification | None:
    """Tell the customer of ``absorbed`` that it is now handled as ``survivor``, by e-mail, in
    their language (Korean then English when it is not known).

    Only by e-mail, and whenever the customer has an address: it is how the case reached them
    (their acknowledgement went there), and ``confirmed`` holds back only a phone number typed
    on the homepage. The link is the absorbed case's own tracking page, which leads to the
    survivor with the address the customer already proves."""
    customer = absorbed.customer
    if not customer.email:
        return None
    language = customer_language(absorbed, default="")
    values = {"name": customer.name, "code": absorbed.tracking_code}
    values["survivor"] = survivor.tracking_code
    texts = [
        [part.format(**values, link=tracking_link(lang, absorbed.tracking_code)) for part in text]
        for lang, text in MERGED_TEXT.items()
        if language in ("", lang)
    ]
    return notification_enqueue(
        idempotency_key=f"request:{absorbed.pk}:merged-into:{survivor.pk}",
        step="message",
        channel="email",
        recipient=customer.email,
        language=language or "ko",
        in_reply_to=last_customer_email(absorbed),
        subject=" / ".join(subject for subject, _body in texts),
        body="\n\n".join(body for _subject, body in texts),
        subject_type=REQUEST_SUBJECT,
        subject_id=absorbed.pk,
    )
