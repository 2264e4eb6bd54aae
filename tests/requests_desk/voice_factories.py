"""Factories and people for the customer's-voice tests (reports, commendations, surveys).

People: ``staff`` works in Network Support (Infrastructure HO), ``manager`` manages Network
Support, ``market_manager`` manages a team of the Market HO, ``admin`` is a superuser."""

import factory
from django.utils import timezone

from commitments.models import Division, Team
from requests_desk.models.voice import (
    Commendation,
    HomepageSubmission,
    SurveyResponse,
    SurveySource,
    UnkindServiceReport,
)
from tests.factories import CustomerContactFactory, RequestFactory, UserFactory


def infrastructure() -> Division:
    return Division.objects.get(code="infrastructure")


def voice_people() -> dict:
    staff = UserFactory(username="v.staff", first_name="Jiwoo", last_name="Han")
    Team.objects.get(code="net-support").members.add(staff)
    manager = UserFactory(username="v.manager")
    Team.objects.filter(code="net-support").update(manager=manager)
    market_manager = UserFactory(username="v.market.manager")
    Team.objects.filter(code="market-it-infra").update(manager=market_manager)
    return {
        "staff": staff,
        "manager": manager,
        "market_manager": market_manager,
        "admin": UserFactory(username="v.admin", is_superuser=True),
    }


class ComplaintFactory(RequestFactory):
    """A complaint filed on the homepage (a plain row: no clocks)."""

    kind = "complaint"
    channel = "homepage"
    division = factory.LazyFunction(infrastructure)
    team = factory.LazyFunction(lambda: Team.objects.get(code="net-support"))
    customer = factory.SubFactory(CustomerContactFactory, name="김민지", email="minji@example.com")
    subject = "상담원이 불친절했습니다"
    body = "전화 상담 중 상담원이 말을 끊고 언성을 높였습니다."


class SubmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HomepageSubmission

    request = factory.SubFactory(ComplaintFactory)
    category = "unkind_service"
    consent_at = factory.LazyFunction(timezone.now)
    consent_version = "2026-1"
    language = "ko"


class UnkindReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnkindServiceReport

    request = factory.SubFactory(ComplaintFactory)
    division = factory.SelfAttribute("request.division")
    occasion = "11월 20일 오후 3시 전화 상담 중 상담원이 말을 끊었습니다."
    employee_name = "박상담"


class CommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commendation

    division = factory.LazyFunction(infrastructure)
    team = factory.LazyFunction(lambda: Team.objects.get(code="net-support"))
    employee_name = "한지우"
    nominator_name = "이서연"
    nominator_organisation = "Example Securities"
    nominator_email = "seoyeon@example.com"
    reason = "장애 대응 중 끝까지 친절하게 안내해 주셨습니다."


class SurveyResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    source = SurveySource.CUSTOMER
    division = factory.LazyFunction(infrastructure)
    score = 4
    comment = "좋았습니다"
