"""Material deliveries and the questions on them (``market.materials-owner``, a rule).

A delivery records what was delivered, to whom, by whom and when. A question on it
(:func:`delivery_inquiry_open`) becomes a request of kind ``materials_inquiry`` assigned to the
person who delivered the materials — or, when that person has left (an inactive account), to
the manager of their team in the delivery's division (else the division's head), with a note on
the request's timeline saying so.
"""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.models import Division, Team
from requests_desk.cases import request_add_note, request_create
from requests_desk.cases.errors import DeskError, full_clean
from requests_desk.models import Delivery, DeliveryInquiry, Request
from requests_desk.records.common import customer_from, person_in_division
from requests_desk.vocabulary import RequestKind


def delivery_create(
    *,
    division: Division,
    material: str,
    delivered_by,
    delivered_on: date,
    customer=None,
    customer_id=None,
    actor=None,
    now: datetime | None = None,
) -> Delivery:
    """Record a delivery (no clock: its rule routes the questions on it)."""
    now = now or timezone.now()
    delivery = Delivery(
        division=division,
        customer=customer_from(customer=customer, customer_id=customer_id),
        material=material.strip(),
        delivered_by=delivered_by,
        delivered_on=delivered_on,
        created_by=actor,
        created_at=now,
    )
    full_clean(delivery)
    person_in_division(delivered_by, division, field="delivered_by")
    delivery.save()
    return delivery


def delivery_update(delivery: Delivery, *, material: str, actor=None) -> Delivery:
    delivery.material = material.strip()
    full_clean(delivery)
    delivery.save()
    return delivery


def deliverer_stand_in(delivery: Delivery):
    """Who answers for a deliverer who has left: the manager of their team in the delivery's
    division (an active one), else the division's head."""
    teams = Team.objects.filter(division=delivery.division, members=delivery.delivered_by)
    for team in teams.select_related("manager").order_by("code"):
        if team.manager is not None and team.manager.is_active:
            return team.manager, team
    head = delivery.division.head
    return (head if head is not None and head.is_active else None), None


def delivery_inquiry_open(
    delivery: Delivery,
    *,
    subject: str,
    body: str,
    channel: str = "phone",
    actor=None,
) -> Request:
    """A question on the delivery, as a request routed to the person who delivered it."""
    deliverer = delivery.delivered_by
    left = not deliverer.is_active
    assignee, team = (deliverer, None) if not left else deliverer_stand_in(delivery)
    if assignee is None:
        raise DeskError(
            {"__all__": [_("The deliverer has left and their team has no manager to answer.")]}
        )
    if team is None:
        team = (
            Team.objects.filter(division=delivery.division, members=assignee)
            .order_by("code")
            .first()
        )
    with transaction.atomic():
        request = request_create(
            actor=actor,
            customer=delivery.customer,
            division=delivery.division,
            kind=RequestKind.MATERIALS_INQUIRY,
            channel=channel,
            subject=subject,
            body=body,
            team=team,
            assignee=assignee,
        )
        inquiry = DeliveryInquiry(
            delivery=delivery, request=request, routed_to=assignee, deliverer_left=left
        )
        full_clean(inquiry)
        inquiry.save()
        if left:
            request_add_note(
                request,
                actor=actor,
                text=_(
                    "Question on the delivery “%(material)s” of %(day)s: %(deliverer)s, who"
                    " delivered it, has left, so it goes to %(manager)s."
                )
                % {
                    "material": delivery.material,
                    "day": delivery.delivered_on.isoformat(),
                    "deliverer": deliverer.get_username(),
                    "manager": assignee.get_username(),
                },
            )
    return request
