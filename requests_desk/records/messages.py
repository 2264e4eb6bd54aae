"""What a record's act tells its customer, sent through the outbox.

An act that keeps a promise by telling the customer something (the renewal guidance, who owns a
test, a training's plan) writes its messages here: each worded from a template in the
customer's language (``requests_desk/records/messages/<name>[-sms].<ko|en>.txt``, the subject
on the first line), Korean unless English is asked for. The act's clock stops when the gateway
has accepted every one of them (:func:`requests_desk.records.common.record_clock_stop_on_delivery`),
never when they are only queued. :func:`record_messages` words them without sending, so the
staff page shows what an act will send before it is sent.
"""

from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy

from commitments.instant_words import EN_MONTHS, EN_WEEKDAYS, KO_WEEKDAYS
from commitments.models.catalogue import CHANNEL_CHOICES
from notifications.models import Notification
from notifications.outbox import notification_enqueue
from requests_desk.models import ChartedRecord, CustomerContact
from requests_desk.notices.audience import is_mobile
from requests_desk.records.common import record_clock, record_clock_stop_on_delivery

TEMPLATE = "requests_desk/records/messages/{name}{sms}.{language}.txt"
LANGUAGES = ("ko", "en")
LANGUAGE_NAMES = {"ko": gettext_lazy("Korean"), "en": gettext_lazy("English")}


@dataclass(frozen=True)
class RecordMessage:
    channel: str
    recipient: str
    language: str
    subject: str
    body: str
    #: Files the e-mail carries, as the outbox names them (``{"name", "content_type", "file"}``).
    attachments: tuple = ()

    def get_channel_display(self) -> str:
        return str(dict(CHANNEL_CHOICES).get(self.channel, self.channel))

    @property
    def language_name(self) -> str:
        return str(LANGUAGE_NAMES[self.language])


def date_words(day: date, language: str) -> str:
    """A day as the customer reads it: "2027년 3월 1일(월)" / "Mon 1 Mar 2027"."""
    if language == "en":
        return f"{EN_WEEKDAYS[day.weekday()]} {day.day} {EN_MONTHS[day.month - 1]} {day.year}"
    return f"{day.year}년 {day.month}월 {day.day}일({KO_WEEKDAYS[day.weekday()]})"


def customer_addresses(contact: CustomerContact | None, channels) -> dict[str, str]:
    """The contact's address on each channel asked for: e-mail, and SMS to a mobile only."""
    if contact is None:
        return {}
    phone = (contact.phone or "").strip()
    found = {"email": contact.email, "sms": phone if is_mobile(phone) else ""}
    return {channel: found[channel] for channel in channels if found.get(channel)}


def record_messages(
    name: str,
    *,
    addresses: dict[str, str],
    language: str,
    context: dict,
    attachments: tuple = (),
) -> list[RecordMessage]:
    """The messages of template ``name`` to ``addresses`` (channel → address), worded in
    ``language`` (Korean for anything but English); an e-mail carries ``attachments``."""
    language = language if language in LANGUAGES else "ko"
    messages = []
    for channel, address in addresses.items():
        text = render_to_string(
            TEMPLATE.format(name=name, sms="-sms" if channel == "sms" else "", language=language),
            context,
        )
        subject, _newline, body = text.strip().partition("\n")
        files = attachments if channel == "email" else ()
        messages.append(
            RecordMessage(channel, address, language, subject.strip(), body.strip() + "\n", files)
        )
    return messages


def record_messages_send(
    record: ChartedRecord,
    code: str,
    *,
    messages: list[RecordMessage],
    act: str,
    cause: str,
    field: str,
) -> list[Notification]:
    """Write ``messages`` to the outbox (once per cycle of ``code``'s clock and channel: a form
    sent twice sends nothing more) and bind the clock to their delivery. Inside the caller's
    transaction: a clock no longer owed refuses the act and nothing is queued."""
    clock = record_clock(record, code)
    cycle = clock.cycle if clock else 1
    sent = [
        notification_enqueue(
            idempotency_key=f"{record.subject_type}:{record.pk}:{act}:{cycle}:{message.channel}",
            step="message",
            channel=message.channel,
            recipient=message.recipient,
            subject=message.subject,
            body=message.body,
            language=message.language,
            attachments=list(message.attachments),
            subject_type=record.subject_type,
            subject_id=record.pk,
        )
        for message in messages
    ]
    record_clock_stop_on_delivery(record, code, notifications=sent, cause=cause, field=field)
    return sent
