"""Demo charter records for trying the portal: a certificate expiring in 40 days (its guidance
falls due in about 10), a handover in parallel operation, a PowerBase test window tomorrow, a
training promised in a fortnight and a delivery made today. Idempotent: each is made once."""

from datetime import datetime, timedelta

from django.utils import timezone

from commitments.business_time import SEOUL
from commitments.models import Division, Service, Team
from requests_desk.models import Certificate, Delivery, Handover, TestWindow, Training
from requests_desk.records.certificates import certificate_create
from requests_desk.records.deliveries import delivery_create
from requests_desk.records.handovers import handover_create
from requests_desk.records.trainings import training_create
from requests_desk.records.windows import window_create

DEMO = "[demo]"
CUSTOMER = {
    "name": "홍길동",
    "organisation": "[demo] 예시증권",
    "email": "hong.demo@example.com",
    "phone": "010-0000-1234",
}


def _manager(team_code: str):
    team = Team.objects.filter(code=team_code).select_related("manager").first()
    return team.manager if team is not None else None


def demo_records(*, actor, staff, now: datetime | None = None) -> list:
    """Make the demo records that are missing; return what was made."""
    now = now or timezone.now()
    today = now.astimezone(SEOUL).date()
    divisions = Division.objects.in_bulk(field_name="code")
    made: list = []
    if "infrastructure" in divisions and not Certificate.objects.filter(serial="DEMO-0001"):
        made.append(
            certificate_create(
                division=divisions["infrastructure"],
                customer=CUSTOMER,
                product=f"{DEMO} 증권전자인증",
                serial="DEMO-0001",
                expires_on=today + timedelta(days=40),
                actor=actor,
                now=now,
            )
        )
    bcp = Service.objects.filter(code="bcp").first()
    outgoing = _manager("bcp")
    if bcp and outgoing and outgoing != staff and not Handover.objects.filter(incoming=staff):
        made.append(
            handover_create(
                division=bcp.division,
                outgoing=outgoing,
                incoming=staff,
                services=[bcp],
                parallel_from=today - timedelta(days=10),
                parallel_until=today + timedelta(days=25),
                target_minutes=30,
                actor=actor,
                now=now,
            )
        )
    owner = _manager("fin-powerbase")
    if "financial" in divisions and owner and not TestWindow.objects.filter(title__startswith=DEMO):
        start = (now.astimezone(SEOUL) + timedelta(days=1)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        made.append(
            window_create(
                division=divisions["financial"],
                kind="customer",
                title=f"{DEMO} PowerBase 고객 테스트",
                starts_at=start,
                ends_at=start + timedelta(hours=6),
                owner=owner,
                customer=CUSTOMER,
                actor=actor,
                now=now,
            )
        )
    if "infrastructure" in divisions and not Training.objects.filter(topic__startswith=DEMO):
        made.append(
            training_create(
                division=divisions["infrastructure"],
                customer=CUSTOMER,
                topic=f"{DEMO} 전용회선 장애 대응 교육",
                requested_at=now,
                promised_on=today + timedelta(days=14),
                actor=actor,
                now=now,
            )
        )
    deliverer = _manager("market-it-infra")
    if (
        "market" in divisions
        and deliverer
        and not Delivery.objects.filter(material__startswith=DEMO)
    ):
        made.append(
            delivery_create(
                division=divisions["market"],
                customer=CUSTOMER,
                material=f"{DEMO} 시장 데이터 명세서",
                delivered_by=deliverer,
                delivered_on=today,
                actor=actor,
                now=now,
            )
        )
    return made
