"""Certificates: recording them, the renewal guidance a month before expiry
(``cert.renewal-notice``), and renewals.

- :func:`certificate_create` records a certificate and starts its clock, due a month before
  the expiry day begins (``lead_time``; an expiry less than a month away starts it breached).
- :func:`certificate_guidance_send` sends the guidance through the outbox by e-mail and SMS,
  worded from the templates in the customer's language; :func:`certificate_guidance_phone`
  records it given on the phone. Only these two stop the clock.
- :func:`certificates_guide_due` is the automatic pass (a Celery task on the beat schedule and
  the ``send_certificate_guidance`` command): every certificate whose clock falls due within
  ``GUIDANCE_AHEAD`` gets its guidance by e-mail and SMS.
- :func:`certificate_renew` records a new expiry: the cycle closes and the next cycle's clock
  counts to the new expiry.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Deadline, DeadlineState, Division
from requests_desk.cases._common import start_of
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import Certificate, CertificateRenewal, CustomerContact
from requests_desk.records.common import (
    customer_from,
    not_future,
    record_clock,
    record_clock_cancel,
    record_clock_start,
    record_clock_stop,
)
from requests_desk.records.messages import (
    customer_addresses,
    date_words,
    record_messages,
    record_messages_send,
)

RENEWAL_NOTICE = "cert.renewal-notice"
#: The automatic pass sends the guidance this long before the clock is due.
GUIDANCE_AHEAD = timedelta(days=1)
GUIDANCE_CHANNELS = ("email", "sms")


def certificate_create(
    *,
    division: Division,
    product: str,
    serial: str,
    expires_on: date,
    language: str = "ko",
    customer: dict | CustomerContact | None = None,
    customer_id=None,
    actor=None,
    now: datetime | None = None,
) -> Certificate:
    """Record a certificate for a contact (one found by id, or found or created from its
    details) and start its renewal-guidance clock."""
    now = now or timezone.now()
    certificate = Certificate(
        division=division,
        customer=customer_from(customer=customer, customer_id=customer_id),
        product=product.strip(),
        serial=serial.strip(),
        expires_on=expires_on,
        language=language or "ko",
        created_by=actor,
        created_at=now,
    )
    full_clean(certificate)
    return certificate_save_new(certificate, actor=actor, now=now)


def certificate_save_new(certificate: Certificate, *, actor, now: datetime) -> Certificate:
    """Save a checked new certificate and start its clock (the import saves its rows so)."""
    with transaction.atomic():
        certificate.save()
        _renewal_clock(certificate, actor=actor, now=now)
    return certificate


def _renewal_clock(certificate: Certificate, *, actor, now: datetime, previous=None) -> Deadline:
    return record_clock_start(
        certificate,
        RENEWAL_NOTICE,
        started_at=now,
        target_at=start_of(certificate.expires_on),
        actor=actor,
        now=now,
        previous=previous,
    )


def certificate_update(
    certificate: Certificate, *, product: str, serial: str, language: str, actor=None
) -> Certificate:
    """Correct what the certificate is called and how its customer is spoken to (its expiry
    changes only by a renewal)."""
    certificate.product, certificate.serial = product.strip(), serial.strip()
    certificate.language = language
    full_clean(certificate)
    certificate.save()
    return certificate


def guidance_messages(certificate: Certificate, *, channels=GUIDANCE_CHANNELS) -> list:
    """The guidance to the subscriber on each of ``channels`` it has an address on (e-mail,
    SMS to a mobile), from the templates in the customer's language."""
    language = certificate.language
    return record_messages(
        "cert-guidance",
        addresses=customer_addresses(certificate.customer, channels),
        language=language,
        context={
            "certificate": certificate,
            "customer": certificate.customer,
            "organisation": certificate.customer.organisation.name,
            "expires": date_words(certificate.expires_on, language),
        },
    )


def certificate_guidance_send(
    certificate: Certificate,
    *,
    channels=GUIDANCE_CHANNELS,
    actor=None,
    now: datetime | None = None,
) -> list:
    """Send the renewal guidance to the subscriber by e-mail and/or SMS through the outbox; the
    clock stops when the gateway has accepted them (met if by then it was not yet due)."""
    now = now or timezone.now()
    channels = [channel for channel in GUIDANCE_CHANNELS if channel in channels]
    if not channels:
        raise DeskError({"channels": [_("Choose e-mail, SMS or both.")]})
    messages = guidance_messages(certificate, channels=channels)
    if not messages:
        raise DeskError(
            {
                "channels": [
                    _(
                        "The subscriber has no address on these channels (SMS needs a mobile"
                        " number): log a phone call instead, or correct the contact."
                    )
                ]
            }
        )
    with transaction.atomic():
        sent = record_messages_send(
            certificate,
            RENEWAL_NOTICE,
            messages=messages,
            act="guidance",
            cause=f"renewal guidance ({', '.join(m.channel for m in messages)})",
            field="channels",
        )
        certificate.guided_at = now
        certificate.save(update_fields=["guided_at"])
    return sent


def certificate_guidance_phone(
    certificate: Certificate, *, at: datetime, told_person: str, actor=None
) -> Certificate:
    """The guidance was given on the phone at ``at`` to ``told_person``."""
    if not told_person.strip():
        raise DeskError({"told_person": [_("Say whom you told.")]})
    not_future(at)
    with transaction.atomic():
        _guided(
            certificate, at=at, how=f"phone: {told_person.strip()}"[:200], actor=actor, field="at"
        )
    return certificate


def _guided(certificate: Certificate, *, at: datetime, how: str, actor, field: str) -> None:
    record_clock_stop(
        certificate,
        RENEWAL_NOTICE,
        at=at,
        cause=f"renewal guidance ({how})",
        actor=actor,
        field=field,
    )
    certificate.guided_at = at
    certificate.save(update_fields=["guided_at"])


def certificate_renew(
    certificate: Certificate, *, expires_on: date, actor=None, now: datetime | None = None
) -> CertificateRenewal:
    """A renewal recorded: the current cycle closes (a clock still running is no longer owed)
    and the next cycle's clock counts to the new expiry."""
    now = now or timezone.now()
    renewal = CertificateRenewal(
        certificate=certificate,
        previous_expires_on=certificate.expires_on,
        expires_on=expires_on,
        recorded_at=now,
        recorded_by=actor,
    )
    full_clean(renewal, exclude=["certificate"])
    with transaction.atomic():
        previous = record_clock(certificate, RENEWAL_NOTICE)
        record_clock_cancel(
            certificate, RENEWAL_NOTICE, at=now, cause="certificate renewed", actor=actor
        )
        renewal.save()
        certificate.expires_on = expires_on
        certificate.guided_at = None
        certificate.save(update_fields=["expires_on", "guided_at"])
        _renewal_clock(certificate, actor=actor, now=now, previous=previous)
    return renewal


def certificates_guide_due(*, now: datetime | None = None) -> int:
    """Send the guidance of every certificate whose running clock falls due within
    ``GUIDANCE_AHEAD`` and that has an address; the number of certificates guided."""
    now = now or timezone.now()
    due = (
        Deadline.objects.filter(
            subject_type=Certificate.subject_type,
            commitment_code=RENEWAL_NOTICE,
            due_at__lte=now + GUIDANCE_AHEAD,
        )
        .owing()
        .exclude(state=DeadlineState.PAUSED)
        .order_by("due_at")
        .values_list("subject_id", flat=True)
    )
    guided = 0
    certificates = Certificate.objects.select_related("customer__organisation", "division")
    for certificate in certificates.filter(pk__in=[int(pk) for pk in due]):
        try:
            certificate_guidance_send(certificate, now=now)
        except DeskError:
            continue  # no address: the clock runs on and staff are reminded to phone
        guided += 1
    return guided
