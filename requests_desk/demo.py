"""Demo data for trying the portal: users, customers and requests with clocks in every state.

Everything goes through the desk's services, so the clocks, timeline and outbox are what real
use would make. Idempotent: users keep their password and roles; a demo request that exists
(same subject and customer) is left alone; the live support inquiry is made only when none is
open.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from commitments.access import MANAGERS_GROUP
from commitments.models import Division, Service, StaffProfile, Team
from requests_desk import cases
from requests_desk.cases.errors import DeskError
from requests_desk.models import Request

DEMO_TEAM = "net-support"
DEMO_USERS = [
    # username, first name, last name, superuser
    ("admin", "Admin", "Demo", True),
    ("manager", "Manager", "Demo", False),
    ("staff", "Staff", "Demo", False),
]
DEMO_CUSTOMERS = [
    # name, organisation, e-mail, phone
    ("가상고객 김", "가상증권 (Example Securities)", "kim@securities.example.com", "02-0000-9001"),
    ("가상고객 이", "가상투자 (Example Investment)", "lee@investment.example.com", "02-0000-9002"),
    ("가상고객 박", "가상연금 (Example Pension Fund)", "park@pension.example.com", "02-0000-9003"),
]
LIVE_SUPPORT_SUBJECT = "[demo] 시세 수신 지연 문의 / Market data arrives late"


@dataclass(frozen=True)
class DemoRequest:
    subject: str
    kind: str
    division: str
    customer: int
    days_ago: float
    channel: str = "email"
    service: str | None = None
    told: str | None = None  # purpose told the customer …
    told_after_hours: float = 0  # … this long after receipt (late = breached)
    waiting: bool = False
    expected_in_days: int | None = None


DEMO_REQUESTS = [
    DemoRequest(
        "[demo] 결제 화면 ISIN 열 추가",
        "modification",
        "infrastructure",
        0,
        3,
        told="feasibility",
        told_after_hours=2,
    ),
    DemoRequest(
        "[demo] 네트워크 회선 장애",
        "network_trouble",
        "infrastructure",
        1,
        2,
        channel="phone",
        service="network",
        told="plan",
        told_after_hours=1.5,
    ),
    DemoRequest(
        "[demo] 신규 조회 화면 개발", "new_development", "infrastructure", 0, 4, expected_in_days=60
    ),
    DemoRequest("[demo] 접근 권한 변경", "access_rights", "infrastructure", 1, 1.2, waiting=True),
    DemoRequest(
        "[demo] 업무 검토 요청",
        "business_review",
        "market",
        1,
        2,
        told="result",
        told_after_hours=20,
    ),
    DemoRequest(
        "[demo] 퇴직연금 일정 문의",
        "pension_request",
        "financial",
        2,
        1,
        channel="phone",
        service="retirement-pension",
    ),
    DemoRequest(
        "[demo] 시세 데이터 오류",
        "data_problem",
        "information",
        0,
        0.5,
        told="plan",
        told_after_hours=0.5,
    ),
    DemoRequest("[demo] 교육 요청", "training", "bizdev", 2, 5),
]


def demo_users(stdout=None) -> dict:
    team = Team.objects.get(code=DEMO_TEAM)
    users = {}
    for username, first, last, superuser in DEMO_USERS:
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@example.com",
                "is_staff": True,
                "is_superuser": superuser,
            },
        )
        if created:
            user.set_password(settings.DEMO_PASSWORD)
            user.save()
        # Staff and the manager hear of urgent clocks by SMS too (files in var/sms/ locally).
        phone = {"staff": "010-0000-0003", "manager": "010-0000-0002"}.get(username, "")
        StaffProfile.objects.get_or_create(
            user=user, defaults={"phone": phone, "notify_by_sms": bool(phone)}
        )
        users[username] = user
        if stdout is not None:
            stdout.write(f"{'created' if created else 'kept'} user {username}")
    staff_group, _ = Group.objects.get_or_create(name="staff")
    managers, _ = Group.objects.get_or_create(name=MANAGERS_GROUP)
    users["staff"].groups.add(staff_group)
    users["manager"].groups.add(managers)
    team.members.add(users["staff"], users["manager"])
    if team.manager is None or team.manager.username.startswith("mgr."):
        # The demo manager takes over the placeholder manager of the demo team.
        team.manager = users["manager"]
        team.save()
    return users


def demo_requests(*, actor, now: datetime | None = None) -> list[Request]:
    """The demo's history: requests of the last days, met, breached, waiting and running."""
    now = now or timezone.now()
    customers = [
        cases.customer_find_or_create(name=n, organisation=o, email=e, phone=p)
        for n, o, e, p in DEMO_CUSTOMERS
    ]
    made = []
    for demo in DEMO_REQUESTS:
        customer = customers[demo.customer]
        if Request.objects.filter(subject=demo.subject, customer=customer).exists():
            continue
        received = now - timedelta(days=demo.days_ago)
        request = cases.request_create(
            actor=actor,
            kind=demo.kind,
            channel=demo.channel,
            division=Division.objects.get(code=demo.division),
            service=Service.objects.filter(code=demo.service).first(),
            customer=customer,
            subject=demo.subject,
            body="데모용 요청입니다. / A demo request.",
            received_at=received,
            expected_completion=(
                (received + timedelta(days=demo.expected_in_days)).date()
                if demo.expected_in_days
                else None
            ),
        )
        if demo.told:
            cases.request_communicate(
                request,
                actor=actor,
                purpose=demo.told,
                channel="phone",
                summary="데모: 고객에게 안내함 / Demo: told the customer.",
                at=min(received + timedelta(hours=demo.told_after_hours), now),
                told_person=customer.name,
            )
        if demo.waiting:
            cases.request_set_status(
                request, actor=actor, status="waiting", at=received + timedelta(hours=1)
            )
        made.append(request)
    return made


#: The demo's past: one request every three days over this many days, so the dashboard's
#: trend, the scorecard and the published survey results have something to show.
HISTORY_DAYS = 90
HISTORY_SUBJECT = "[demo] 지난 요청 #{n:02d} / Past request #{n:02d}"


def demo_history(*, actor, now: datetime | None = None) -> list[Request]:
    """Months of finished requests: feasibility told in time (most) or late (every fourth),
    resolved two days later, and a satisfaction survey answered for the first ones."""
    from notifications.models import Notification
    from requests_desk.homepage.services.surveys import survey_answer

    now = now or timezone.now()
    customers = [
        cases.customer_find_or_create(name=n, organisation=o, email=e, phone=p)
        for n, o, e, p in DEMO_CUSTOMERS
    ]
    division = Division.objects.get(code="infrastructure")
    team = Team.objects.get(code=DEMO_TEAM)  # the demo manager's team: their dashboard shows it
    made = []
    for n in range(HISTORY_DAYS // 3):
        subject = HISTORY_SUBJECT.format(n=n + 1)
        if Request.objects.filter(subject=subject).exists():
            continue
        received = (now - timedelta(days=HISTORY_DAYS - 3 * n)).replace(
            hour=10, minute=0, second=0, microsecond=0
        )
        told = received + (timedelta(days=5) if n % 4 == 3 else timedelta(hours=2))
        resolved = told + timedelta(days=2)
        if resolved >= now:
            break
        request = cases.request_create(
            actor=actor,
            kind="modification",
            channel="email",
            division=division,
            team=team,
            assignee=actor,
            customer=customers[n % len(customers)],
            subject=subject,
            body="데모: 지난 요청입니다. / Demo: a past request.",
            received_at=received,
        )
        cases.request_communicate(
            request,
            actor=actor,
            purpose="feasibility",
            channel="phone",
            summary="데모: 수용 여부를 안내함 / Demo: feasibility told.",
            at=told,
            told_person=request.customer.name,
        )
        cases.request_set_status(request, actor=actor, status="resolved", at=resolved)
        made.append(request)
    scores = [5, 4, 5, 3, 4, 5, 4, 2, 5, 4, 5, 4]
    # The newest first: an invitation older than SURVEY_LINK_DAYS can no longer be answered.
    for request, score in zip(reversed(made), scores, strict=False):
        invitation = Notification.objects.filter(
            subject_type="request", subject_id=request.pk, idempotency_key__startswith="survey"
        ).first()
        found = invitation and re.search(r"/surveys/([\w-]+)/", invitation.body)
        if found:
            try:
                survey_answer(token=found.group(1), score=score)
            except DeskError:
                break  # the links of older cases have expired
    return made


def demo_live_support_inquiry(*, actor, now: datetime | None = None) -> Request | None:
    """An open support inquiry received now: its 10-minute ETA clock reminds and breaches
    within minutes while the worker runs. None when one is still open."""
    if Request.objects.open().filter(subject=LIVE_SUPPORT_SUBJECT).exists():
        return None
    customer = cases.customer_find_or_create(
        name=DEMO_CUSTOMERS[0][0],
        organisation=DEMO_CUSTOMERS[0][1],
        email=DEMO_CUSTOMERS[0][2],
        phone=DEMO_CUSTOMERS[0][3],
    )
    return cases.request_create(
        actor=actor,
        kind="support_inquiry",
        channel="support_center",
        division=Division.objects.get(code="infrastructure"),
        service=Service.objects.get(code="network"),
        customer=customer,
        subject=LIVE_SUPPORT_SUBJECT,
        body="데모: 10분 ETA 시계가 곧 알림을 보내고 위반됩니다. / Demo: the 10-minute ETA clock.",
        received_at=now,
        assignee=actor,
    )
