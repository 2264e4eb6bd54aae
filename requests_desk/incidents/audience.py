"""Who hears of an incident: the customers of the affected services, as for a suspension
(:func:`requests_desk.notices.audience.concerned_contacts`), each service's subscribed contacts
(``CustomerContact.subscribed_services``, kept in the admin), and the customers whose requests
the incident caused.

On SMS a contact without a mobile number cannot be reached. The desk user expects the
announcement to go out to everyone who can receive it at once — holding it back for one landline
would breach the promise for every customer — so such contacts are skipped and named on the
message and the page (to be called instead); only an audience nobody can reach is refused.
The result goes to the same addresses as the announcement on that channel.
"""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from notifications.incidents.models import Incident, IncidentMessage, IncidentPhase
from notifications.incidents.services import incident_tell
from notifications.notices.services import Addressee
from requests_desk.models import CustomerContact
from requests_desk.notices.audience import concerned_contacts, is_mobile


def incident_contacts(*, incident: Incident, now: datetime) -> list[CustomerContact]:
    """The contacts with cases on the services, those subscribed to them, and those whose
    requests the incident caused (three queries)."""
    services = list(incident.services.all())
    contacts = {c.pk: c for c in concerned_contacts(services=services, now=now)}
    others = (
        CustomerContact.objects.filter(
            Q(subscribed_services__in=services) | Q(requests__incident=incident)
        )
        .select_related("organisation")
        .distinct()
    )
    for contact in others:
        contacts.setdefault(contact.pk, contact)
    return [contacts[pk] for pk in sorted(contacts)]


def incident_audience(
    *, incident: Incident, channel: str, now: datetime
) -> tuple[list[Addressee], list[str]]:
    """The addresses on ``channel`` of the affected customers, and the names of those the
    channel cannot reach."""
    audience, skipped = [], []
    for contact in incident_contacts(incident=incident, now=now):
        name = f"{contact.name} ({contact.organisation.name})"
        if channel == "sms":
            reachable, address = is_mobile(contact.phone), (contact.phone or "").strip()
        else:
            reachable, address = bool(contact.email), contact.email
        if reachable:
            audience.append(Addressee(channel, address, name))
        else:
            skipped.append(name)
    return audience, skipped


def result_audience(
    *, incident: Incident, channel: str, now: datetime
) -> tuple[list[Addressee], list[str]]:
    """The result's audience: the addresses the announcement reached on ``channel``, or, when
    it was not announced on that channel, the affected customers as for an announcement."""
    announced = (
        IncidentMessage.objects.filter(
            incident=incident, phase=IncidentPhase.ANNOUNCEMENT, channel=channel
        )
        .prefetch_related("recipients")
        .order_by("-at", "-pk")
        .first()
    )
    if announced is None:
        return incident_audience(incident=incident, channel=channel, now=now)
    audience = [Addressee(channel, r.address, r.name) for r in announced.recipients.all()]
    return audience, list(announced.skipped)


def incident_tell_customers(
    incident: Incident, *, phase: str, channel: str, text: str, actor, now=None
) -> IncidentMessage:
    """Tell the affected customers (:func:`notifications.incidents.services.incident_tell`)."""
    now = now or timezone.now()
    chooser = result_audience if phase == IncidentPhase.RESULT else incident_audience
    audience, skipped = (
        chooser(incident=incident, channel=channel, now=now)
        if channel in ("sms", "email")
        else ([], [])
    )
    return incident_tell(
        incident,
        phase=phase,
        channel=channel,
        text=text,
        audience=audience,
        skipped=skipped,
        actor=actor,
        now=now,
    )
