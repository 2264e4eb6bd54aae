"""Keeping the promise of the consent text: personal data collected through the homepage is
destroyed three years (``CHARTER_RETENTION_DAYS``) after the case is closed.

:func:`personal_data_purge` runs daily (the ``purge-personal-data`` beat entry) and on demand
(``manage.py purge_personal_data``). For every homepage case closed before the cut-off it
deletes the customer's attachments (files and rows), clears what the customer wrote (the
request's details, their messages on the timeline, and the name and phone given on the case),
and anonymises the customer contact
unless that person has another case that is open or closed after the cut-off. Commendations
and survey invitations older than the cut-off lose the nominator's and the recipient's
details. The case itself stays (its tracking code, subject, status, clocks and their figures),
so the charter's statistics do not change. Records of staff reading customers' personal data
(``CustomerDataRead``) older than the cut-off are deleted. Running it twice does nothing more.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from requests_desk.models import (
    Activity,
    ActivityKind,
    Attachment,
    Commendation,
    CustomerContact,
    CustomerDataRead,
    HomepageSubmission,
    Request,
    SurveyInvitation,
)
from requests_desk.vocabulary import Channel, Status

ANONYMOUS = "(삭제됨 / deleted)"


@dataclass(frozen=True)
class PurgeReport:
    cut_off: datetime
    cases: int
    attachments: int
    contacts: int
    commendations: int
    invitations: int


def personal_data_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Destroy the personal data whose retention period has run out (see the module)."""
    now = now or timezone.now()
    cut_off = now - timedelta(days=settings.CHARTER_RETENTION_DAYS)
    expired = Request.objects.filter(
        channel=Channel.HOMEPAGE, status=Status.CLOSED, closed_at__lt=cut_off
    )
    attachments = Attachment.objects.filter(request__in=expired)
    still_needed = Request.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=cut_off)
    ).values("customer_id")
    contacts = (
        CustomerContact.objects.filter(requests__in=expired)
        .exclude(pk__in=still_needed)
        .exclude(name=ANONYMOUS)
        .distinct()
    )
    commendations = Commendation.objects.filter(created_at__lt=cut_off).exclude(
        nominator_name=ANONYMOUS
    )
    invitations = SurveyInvitation.objects.filter(created_at__lt=cut_off).exclude(sent_to="")
    cases = expired.filter(
        Q(body__gt="")
        | Q(activities__kind=ActivityKind.CUSTOMER_MESSAGE, activities__text__gt="")
        | Q(attachments__isnull=False)
    ).distinct()
    report = PurgeReport(
        cut_off=cut_off,
        cases=cases.count(),
        attachments=attachments.count(),
        contacts=contacts.count(),
        commendations=commendations.count(),
        invitations=invitations.count(),
    )
    if dry_run:
        return report
    files = list(attachments.values_list("file", flat=True))
    with transaction.atomic():
        attachments.delete()
        Activity.objects.filter(request__in=expired, kind=ActivityKind.CUSTOMER_MESSAGE).exclude(
            text=""
        ).update(text="")
        expired.exclude(body="").update(body="")
        # The name and phone given on each case (kept beside it for staff to accept).
        HomepageSubmission.objects.filter(request__in=expired).exclude(
            given_name="", given_phone=""
        ).update(given_name="", given_phone="")
        # Several contacts of one organisation may be anonymised at once: the e-mail is blank,
        # so the one-contact-per-e-mail rule does not apply to them.
        CustomerContact.objects.filter(pk__in=list(contacts.values_list("pk", flat=True))).update(
            name=ANONYMOUS, email="", phone="", position=""
        )
        commendations.update(
            nominator_name=ANONYMOUS, nominator_email="", nominator_organisation=""
        )
        invitations.update(sent_to="")
        # The access records of customers' personal data are kept as long, then go too.
        CustomerDataRead.objects.filter(at__lt=cut_off).delete()
        # Files go only once the rows are gone for good.
        transaction.on_commit(lambda: _delete_files(files))
    return report


def _delete_files(names: list[str]) -> None:
    storage = Attachment._meta.get_field("file").storage
    for name in names:
        if name:
            storage.delete(name)
