"""Demo notices for trying the portal: one published suspension notice ten days ahead (sent to
the customers of the network service) and one announcement on the board.

Idempotent: a demo notice whose window has not ended, or the demo announcement, is left alone."""

from datetime import datetime, timedelta

from django.utils import timezone

from commitments.business_time import SEOUL
from commitments.models import Service
from notifications.notices.models import Announcement, SuspensionPlan
from notifications.notices.services import (
    announcement_publish,
    announcement_record,
    suspension_plan_create,
)
from requests_desk.notices.audience import suspension_publish_to_customers

DEMO_NOTICE_TITLE = "[demo] 네트워크 정기 점검 안내"
DEMO_ANNOUNCEMENT_TITLE = "[demo] 체결 정보 전문 명세 변경 안내"


def demo_notices(*, actor, now: datetime | None = None) -> list:
    """Make what is missing of the demo notices; return what was made."""
    now = now or timezone.now()
    made: list = []
    network = Service.objects.filter(code="network").first()
    if (
        network is not None
        and not SuspensionPlan.objects.filter(title_ko=DEMO_NOTICE_TITLE, ends_at__gt=now).exists()
    ):
        start = (now.astimezone(SEOUL) + timedelta(days=10)).replace(
            hour=22, minute=0, second=0, microsecond=0
        )
        plan = suspension_plan_create(
            services=[network],
            starts_at=start,
            ends_at=start + timedelta(hours=4),
            cause="regular_check",
            channels=["screen", "email"],
            title_ko=DEMO_NOTICE_TITLE,
            title_en="[demo] Network regular check-up",
            body_ko="정기 점검으로 증권 네트워크 서비스가 4시간 동안 중단됩니다.",
            body_en="The securities network stops for four hours for its regular check-up.",
            actor=actor,
            now=now,
        )
        made.append(suspension_publish_to_customers(plan, actor=actor, now=now))
    if not Announcement.objects.filter(title_ko=DEMO_ANNOUNCEMENT_TITLE).exists():
        announcement = announcement_record(
            title_ko=DEMO_ANNOUNCEMENT_TITLE,
            title_en="[demo] Trade conclusion message specification change",
            body_ko="체결 정보 전문에 필드가 추가됩니다. 새 명세서를 확인해 주십시오.",
            body_en="A field is added to the trade conclusion message. Please read the new "
            "specification.",
            spec_completed_at=now,
            actor=actor,
            now=now,
        )
        made.append(announcement_publish(announcement, actor=actor, now=now))
    return made
