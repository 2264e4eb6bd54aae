"""One e-mail into the desk: a new case, a reply on its case, or a record of why neither.

:func:`mail_ingest` is safe to call twice with the same message (a crash before the mailbox
marked it read, the same mail delivered twice): its record's ``key`` is unique and inserted
first, in the transaction that makes the case, so the second call finds it and makes nothing."""

import hashlib
import logging
import re
import uuid
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction

from commitments.subjects import REQUEST_SUBJECT
from notifications.channels.email import notification_of
from notifications.models import Notification
from notifications.outbox import notification_enqueue
from requests_desk.cases.attachments import attachment_check, attachment_store
from requests_desk.cases.customers import customer_add
from requests_desk.cases.errors import DeskError
from requests_desk.cases.requests import request_add_note, request_create
from requests_desk.homepage.services.public import customer_reply
from requests_desk.mail.parse import MailPart, ParsedMail, Unacceptable, mail_parse, message_id_of
from requests_desk.mail.route import MailRoutes, Placement, mail_route, organisation_domains
from requests_desk.models import CustomerContact, InboundMessage, InboundOutcome, Request
from requests_desk.models.customers import NAME_MAX
from requests_desk.models.requests import (
    BODY_MAX,
    SUBJECT_MAX,
    TRACKING_ALPHABET,
    TRACKING_LENGTH,
)
from requests_desk.vocabulary import Channel, Status

logger = logging.getLogger(__name__)

TRACKING_IN_SUBJECT = re.compile(
    rf"(?<![A-Za-z0-9])([{TRACKING_ALPHABET}]{{{TRACKING_LENGTH}}})(?![A-Za-z0-9])"
)
NO_SUBJECT = "(제목 없음 / no subject)"
TRUNCATED = "\n\n[…] (잘림: 원본 메일 보관 / cut here: the whole e-mail is kept)"


def mail_ingest(
    *,
    raw: bytes,
    mailbox: str,
    uid: str = "",
    uid_validity: int | None = None,
    routes: MailRoutes | None = None,
) -> InboundMessage:
    """Record ``raw`` (an RFC 5322 message read from ``mailbox``) and act on it:

    1. a message already recorded (same Message-ID, or same bytes without one) is left alone;
    2. a message that cannot be taken (too large, malformed, unknown charset, virus-looking)
       is kept in quarantine with the reason;
    3. automatic mail (auto-replies, bounces, lists, our own) is recorded, noted on the case it
       names, and never answered;
    4. a reply (the tracking code in the subject, or In-Reply-To/References naming our
       message) from the case's customer, or from a domain the rules give their organisation,
       is added to the case; on a closed case it is refused with a polite answer;
    5. anything else is a new request on channel ``email`` — with a note when it named a case
       its sender is not the customer of.

    ``uid`` and ``uid_validity``: which message of ``mailbox`` it is (an IMAP folder's UID and
    UIDVALIDITY; a Maildir file's name). ``routes``: the routing rules read once for a batch
    of messages (else read here)."""
    message_id = message_id_of(raw)
    key = _key(message_id, raw)
    record = InboundMessage(
        key=key,
        message_id=message_id,
        mailbox=mailbox[:200],
        uid=str(uid)[:200],
        uid_validity=uid_validity,
        size=len(raw),
    )
    try:
        parsed = mail_parse(raw, own_addresses=own_addresses(), message_id=message_id)
    except Exception as refusal:  # a message the parser chokes on is kept all the same
        parsed = None
        _headers_of(record, raw)
        reason = str(refusal) if isinstance(refusal, Unacceptable) else f"unreadable: {refusal!r}"
        record.outcome, record.reason = InboundOutcome.QUARANTINED, reason
    else:
        record.sender, record.subject = parsed.sender, parsed.subject[:300]
        record.outcome = InboundOutcome.NEW_CASE  # until acted on, in the same transaction
    # The file's name is chosen now; the file is written only once the record's row is ours,
    # so a message another poll recorded a moment ago leaves no file behind.
    record.raw.name = record.raw.field.generate_filename(record, f"{uuid.uuid4().hex}.eml")
    written = False
    try:
        with transaction.atomic():
            # The transaction's first write: a message recorded already (read twice, or by
            # another worker a moment ago) fails it here, before anything else is made.
            record.save()
            stored = record.raw.storage.save(record.raw.name, ContentFile(raw))
            written = True
            if stored != record.raw.name:  # the storage chose another name: record that one
                record.raw.name = stored
                record.save(update_fields=["raw"])
            if parsed is not None:
                _act(record, parsed, routes)
                record.save(update_fields=["outcome", "reason", "request", "activity"])
    except IntegrityError:
        if written:
            record.raw.storage.delete(record.raw.name)
            raise  # not the record's key: something else went wrong
        return InboundMessage.objects.get(key=key)
    except BaseException:
        if written:  # the record was rolled back: its file must not outlive it
            record.raw.storage.delete(record.raw.name)
        raise
    return record


def own_addresses() -> set[str]:
    """Our own addresses: mail from them is never made a case nor answered (no loops)."""
    ours = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    ours.update(address.lower() for address in settings.CHARTER_MAIL_ADDRESSES)
    return {address for address in ours if address}


def _key(message_id: str, raw: bytes) -> str:
    if message_id:
        return "m:" + hashlib.sha256(message_id.encode()).hexdigest()
    return "r:" + hashlib.sha256(raw).hexdigest()


def _headers_of(record: InboundMessage, raw: bytes) -> None:
    """Sender and subject of a message in quarantine, as far as they can be read."""
    try:
        headers = BytesParser(policy=policy.compat32).parsebytes(raw[:65536], headersonly=True)
        record.sender = parseaddr(str(headers.get("From", "")))[1][:254]
        record.subject = " ".join(str(headers.get("Subject", "")).split())[:300]
    except Exception:
        logger.warning("unreadable headers of a quarantined message %s", record.key)


def _act(record: InboundMessage, parsed: ParsedMail, routes: MailRoutes | None) -> None:
    """Make the case or the reply inside a savepoint: a refusal of the desk's services rolls
    back what was made, and the message goes to quarantine with the reason."""
    try:
        with transaction.atomic():
            _file(record, parsed, routes)
    except DatabaseError:
        raise  # the database is down or busy: the poll tries again, nothing is recorded
    except Exception as exc:
        logger.exception("e-mail %s could not be filed", record.key)
        detail = "; ".join(exc.messages) if isinstance(exc, DeskError) else repr(exc)
        record.outcome, record.reason = InboundOutcome.QUARANTINED, f"refused: {detail}"
        record.request = record.activity = None


def _file(record: InboundMessage, parsed: ParsedMail, routes: MailRoutes | None) -> None:
    case, how = case_named(parsed)
    belongs = case is not None and sender_belongs(case, parsed.sender, routes)
    if parsed.automatic:
        record.outcome, record.reason = InboundOutcome.AUTOMATIC, parsed.automatic
        if belongs:
            record.request = case
            record.activity = request_add_note(
                case,
                actor=None,
                text=f"자동 메일 / Automatic e-mail ({parsed.automatic}) "
                f"<{parsed.sender}>: {parsed.subject}"[:BODY_MAX],
            )
        return
    if belongs and case.status == Status.CLOSED:
        record.outcome, record.request = InboundOutcome.REFUSED_CLOSED, case
        record.reason = f"case {case.tracking_code} is closed"
        _refuse_closed(record, case, parsed)
        return
    if belongs:
        record.outcome, record.request = InboundOutcome.REPLY, case
        record.activity = customer_reply(
            case, message=_text(parsed.text or parsed.subject), channel=Channel.EMAIL
        )
        _attachments_keep(case, parsed.attachments, activity=record.activity)
        return
    request = _new_case(parsed, routes)
    record.outcome, record.request = InboundOutcome.NEW_CASE, request
    if case is not None:
        record.reason = f"named case {case.tracking_code} ({how}) from another sender"
        request_add_note(
            request,
            actor=None,
            text=(
                f"이 메일은 {case.tracking_code} 건을 가리켰지만({how}) 보낸 사람이 그 건의 "
                f"고객이 아니어서 새 건으로 접수했습니다.\nThis e-mail named case "
                f"{case.tracking_code} ({how}), but its sender {parsed.sender} is not that case's "
                f"customer: it was made a new case."
            ),
        )


def case_named(parsed: ParsedMail) -> tuple[Request | None, str]:
    """The case the message answers, and how we know: one of our Message-IDs (or one of the
    customer's earlier e-mails) in In-Reply-To/References, else a tracking code in the
    subject."""
    ours = [pk for pk in map(notification_of, parsed.references) if pk is not None]
    if ours:
        subject_ids = Notification.objects.filter(
            pk__in=ours, subject_type=REQUEST_SUBJECT
        ).values_list("subject_id", flat=True)
        found = Request.objects.filter(pk__in=[int(i) for i in subject_ids if i.isdigit()])
        if case := found.order_by("-pk").first():
            return case, "In-Reply-To/References"
    if parsed.references:
        earlier = (
            InboundMessage.objects.filter(message_id__in=parsed.references, request__isnull=False)
            .select_related("request")
            .order_by("-pk")
            .first()
        )
        if earlier is not None:
            return earlier.request, "In-Reply-To/References"
    codes = TRACKING_IN_SUBJECT.findall(parsed.subject.upper())
    if codes and (case := Request.objects.filter(tracking_code__in=codes).first()):
        return case, "tracking code in the subject"
    return None, ""


def sender_belongs(case: Request, sender: str, routes: MailRoutes | None = None) -> bool:
    """The sender is the case's customer, or writes from a domain the rules give the
    customer's organisation."""
    customer = case.customer
    if customer.email and customer.email.lower() == sender.lower():
        return True
    domains = organisation_domains(customer.organisation, routes)
    return sender.rpartition("@")[2].lower() in domains


def _new_case(parsed: ParsedMail, routes: MailRoutes | None) -> Request:
    placement = mail_route(
        sender=parsed.sender, recipients=parsed.recipients, subject=parsed.subject, routes=routes
    )
    request = request_create(
        actor=None,
        customer=_customer(parsed, placement),
        division=placement.division,
        team=placement.team,
        kind=placement.kind,
        channel=Channel.EMAIL,
        subject=(parsed.subject or NO_SUBJECT)[:SUBJECT_MAX],
        body=_text(parsed.text),
        in_reply_to=parsed.message_id,
    )
    _attachments_keep(request, parsed.attachments)
    return request


def _customer(parsed: ParsedMail, placement: Placement) -> CustomerContact:
    """The known contact with the sender's address (at the organisation the rules give, if
    any), untouched; else a new contact at that organisation, or at one named after the
    sender's domain."""
    known = CustomerContact.objects.filter(email__iexact=parsed.sender)
    if placement.organisation is not None:
        known = known.filter(organisation=placement.organisation)
    contact = known.order_by("pk").first()
    if contact is not None:
        return contact
    organisation = (
        placement.organisation.name
        if placement.organisation is not None
        else parsed.sender.rpartition("@")[2]
    )
    name = parsed.sender_name or parsed.sender.partition("@")[0]
    # No contact has this address (at that organisation): no need to look again.
    return customer_add(name=name[:NAME_MAX], organisation=organisation, email=parsed.sender)


def _text(text: str) -> str:
    return text if len(text) <= BODY_MAX else text[: BODY_MAX - len(TRUNCATED)] + TRUNCATED


def _attachments_keep(request: Request, parts: list[MailPart], *, activity=None) -> None:
    """Keep the attachments the homepage's checks take (type, size and content), with the
    timeline line they came with (``activity``: the customer's reply; none for a new case's
    e-mail, as for the homepage form's files); name the others in an internal note (they stay
    in the raw e-mail)."""
    refused = []
    for part in parts:
        upload = ContentFile(part.data, name=part.name)
        try:
            kind = attachment_check(upload)
        except DeskError as error:
            refused.append(f"{part.name}: {'; '.join(error.messages)}")
            continue
        attachment_store(request, upload, kind=kind, activity=activity)
    if refused:
        request_add_note(
            request,
            actor=None,
            text=(
                "받지 않은 첨부 파일(원본 메일에 보관) / Attachments not taken (kept in the raw "
                "e-mail):\n" + "\n".join(refused)
            )[:BODY_MAX],
        )


def _refuse_closed(record: InboundMessage, case: Request, parsed: ParsedMail) -> None:
    """A polite answer: the case is closed, write a new request naming its code."""
    code = case.tracking_code
    notification_enqueue(
        idempotency_key=f"inbound:{record.key}:closed",
        step="message",
        channel="email",
        recipient=parsed.sender,
        in_reply_to=parsed.message_id,
        subject=f"[{code}] {case.subject}",
        body=(
            f"접수번호 {code} 건은 종결되어 더 이상 메시지를 받을 수 없습니다. 새 요청으로 다시 "
            f"보내 주시고 접수번호 {code}를 적어 주세요.\n\n"
            f"Case {code} is closed and takes no more messages. Please send a new request "
            f"and mention the tracking code {code}.\n"
        ),
        subject_type=REQUEST_SUBJECT,
        subject_id=case.pk,
    )


def mail_file_again(record: InboundMessage, parsed: ParsedMail) -> None:
    """Act on a message recorded earlier (one released from quarantine) as :func:`mail_ingest`
    acts on a new one; the caller holds the record's row lock and saves it."""
    _act(record, parsed, None)
