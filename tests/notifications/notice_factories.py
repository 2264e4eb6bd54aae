"""Rows for public-notice tests. Plans and announcements with clocks are made through the
services (:func:`planned`, :func:`recorded`); these factories make plain published rows for
lists and pages."""

from datetime import timedelta

import factory
from django.utils import timezone

from commitments.models import Division, Service
from notifications.notices.models import Announcement, SuspensionPlan, SuspensionState
from notifications.notices.services import announcement_record, suspension_plan_create
from tests.factories import UserFactory


class PublishedSuspensionFactory(factory.django.DjangoModelFactory):
    """A published notice without a clock (lists and pages only)."""

    class Meta:
        model = SuspensionPlan
        skip_postgeneration_save = True

    division = factory.LazyFunction(lambda: Division.objects.get(code="infrastructure"))
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=8))
    ends_at = factory.LazyAttribute(lambda plan: plan.starts_at + timedelta(hours=4))
    cause = "regular_check"
    channels = factory.LazyFunction(lambda: ["screen", "email"])
    title_ko = factory.Sequence(lambda n: f"정기 점검 {n}")
    title_en = factory.Sequence(lambda n: f"Regular check-up {n}")
    body_ko = "점검으로 서비스가 중단됩니다."
    body_en = "The service stops for a check-up."
    state = SuspensionState.PUBLISHED
    planned_by = factory.SubFactory(UserFactory)
    published_at = factory.LazyFunction(timezone.now)
    notified_at = factory.SelfAttribute("published_at")

    @factory.post_generation
    def services(plan, create, extracted, **kwargs):
        if create:
            plan.services.set(extracted or [Service.objects.get(code="network")])


class PublishedAnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    title_ko = factory.Sequence(lambda n: f"거래정보 명세 {n}")
    title_en = factory.Sequence(lambda n: f"Trading-information specification {n}")
    body_ko = "명세서를 게시합니다."
    spec_completed_at = factory.LazyFunction(timezone.now)
    recorded_by = factory.SubFactory(UserFactory)
    published_at = factory.LazyFunction(timezone.now)


def planned(actor, *, starts_at, hours: int = 4, services=("network",), **changes):
    """A plan made through the service (its clock started)."""
    fields = {
        "services": list(Service.objects.filter(code__in=services)),
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=hours),
        "cause": "regular_check",
        "channels": ["screen", "email", "sms"],
        "title_ko": "네트워크 정기 점검",
        "title_en": "Network regular check-up",
        "body_ko": "정기 점검으로 서비스가 중단됩니다.",
        "body_en": "The network stops for its regular check-up.",
        "actor": actor,
        **changes,
    }
    return suspension_plan_create(**fields)


def recorded(actor, *, completed_at, **changes):
    fields = {
        "title_ko": "체결 정보 명세 변경",
        "body_ko": "새 명세서입니다.",
        "spec_completed_at": completed_at,
        "actor": actor,
        **changes,
    }
    return announcement_record(**fields)
