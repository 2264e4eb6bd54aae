"""Factories for the rows tests need; each makes a valid row with the fewest choices."""

from datetime import time

import factory
from django.contrib.auth import get_user_model

from commitments.models import Calendar, Commitment, Division, Team, WorkingHours


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Calendar
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = "kr-public"
    name_ko = "대한민국 공휴일"
    name_en = "Public holidays (KR)"
    holiday_source = "KR"

    @factory.post_generation
    def weekdays(calendar, create, extracted, **kwargs):
        if not create or calendar.working_hours.exists():
            return
        for weekday in extracted if extracted is not None else range(5):
            WorkingHours.objects.create(
                calendar=calendar, weekday=weekday, opens=time(9), closes=time(18)
            )


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"division-{n}")
    name_ko = factory.LazyAttribute(lambda d: f"{d.code} 본부")
    name_en = factory.LazyAttribute(lambda d: f"{d.code} Head Office")
    calendar = factory.SubFactory(CalendarFactory)
    head = factory.SubFactory(UserFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"team-{n}")
    name_ko = factory.LazyAttribute(lambda t: f"{t.code} 팀")
    name_en = factory.LazyAttribute(lambda t: f"{t.code} team")
    division = factory.SubFactory(DivisionFactory)
    manager = factory.SubFactory(UserFactory)


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commitment
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test.commitment-{n}")
    title_ko = "시험 약속"
    title_en = "Test commitment"
    promise_ko = "시험용 약속입니다."
    promise_en = "A promise for tests."
    target_kind = "business_hours"
    target_minutes = 540
    stop_purposes = factory.LazyFunction(lambda: ["feasibility"])
    reminder_percents = factory.LazyFunction(lambda: [50, 80])
    escalation_levels = 2
    pause_on_waiting = True


# --- requests desk ------------------------------------------------------------------------
# Appended by the desk; a request made through ``request_create`` starts its clocks, these
# plain factories make rows for lists and look-ups only.

from requests_desk.cases.calls import call_counted  # noqa: E402
from requests_desk.models import CustomerContact, Organisation, PhoneCall, Request  # noqa: E402


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Example Securities {n}")


class CustomerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerContact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Customer {n}")
    email = factory.LazyAttribute(lambda c: f"{c.name.lower().replace(' ', '.')}@example.com")
    phone = "010-0000-9999"


class RequestFactory(factory.django.DjangoModelFactory):
    """A plain row (no clocks, no timeline): for lists. Use ``request_create`` for clocks."""

    class Meta:
        model = Request

    kind = "modification"
    channel = "email"
    division = factory.SubFactory(DivisionFactory)
    customer = factory.SubFactory(CustomerContactFactory)
    subject = factory.Sequence(lambda n: f"Request {n}")
    body = "Please change the report layout."


class PhoneCallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PhoneCall
        skip_postgeneration_save = True

    caller_name = factory.Sequence(lambda n: f"Caller {n}")
    division = factory.SubFactory(DivisionFactory)
    rings = 2
    answered_by = factory.SubFactory(UserFactory)
    request = factory.SubFactory(
        RequestFactory, division=factory.SelfAttribute("..division"), channel="phone"
    )
    customer = factory.SelfAttribute("request.customer")
    organisation = factory.SelfAttribute("request.customer.organisation")
    # The team that took the call: by default the request's at the time.
    team = factory.SelfAttribute("request.team")

    @factory.post_generation
    def counted(call, create, extracted, **kwargs):
        """Counted in its day's summary, as ``call_log`` counts a call it logs."""
        if create:
            call_counted(call)
