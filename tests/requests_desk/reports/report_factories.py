"""Factories for the customer's voice rows the reports count, and the hand-worked November.

:func:`november` builds, through the clock services (so the report summary is kept by the same
hooks as in production), the clocks, calls and voice rows whose figures the tests check. Every
instant is Asia/Seoul; "now" is Wed 2026-11-25 12:00 KST.
"""

from dataclasses import dataclass, field

import factory

from commitments.deadlines import (
    deadline_cancel,
    deadline_pause,
    deadline_recompute,
    deadline_resume,
    deadline_start,
    deadline_stop,
)
from commitments.models import Commitment, Deadline, Division, Team
from notifications.sweep import sweep
from requests_desk.models import GiftCoupon, SurveyResponse, UnkindServiceReport
from tests.factories import (
    CommitmentFactory,
    PhoneCallFactory,
    RequestFactory,
    UserFactory,
)
from tests.seoul import kst

NOW = kst(2026, 11, 25, 12)


class UnkindReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnkindServiceReport

    request = factory.SubFactory(RequestFactory, kind="complaint", channel="homepage")
    division = factory.SelfAttribute("request.division")
    occasion = "The person on the phone was rude."
    state = "confirmed"


class CouponFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GiftCoupon

    report = factory.SubFactory(UnkindReportFactory)
    division = factory.SelfAttribute("report.division")
    code = factory.Sequence(lambda n: f"GIFT{n:06d}")
    recipient_name = "홍길동"


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyResponse

    source = "customer"
    division = factory.SubFactory("tests.factories.DivisionFactory")
    score = 4


def clock(commitment, *, start, division, team=None, subject=None) -> Deadline:
    subject = subject or RequestFactory(division=division, team=team, subject="고객 요청")
    return deadline_start(
        commitment=commitment,
        subject_type="request",
        subject_id=subject.pk,
        subject_label=subject.subject,
        started_at=start,
        division=division,
        team=team,
    )


@dataclass
class November:
    commitment: Commitment
    division: Division
    team: Team
    clocks: dict[str, Deadline] = field(default_factory=dict)


def november() -> November:
    """The hand-worked month (see the tests for the expected figures).

    Commitment ``test.report-100`` counts 100 minutes wall clock, so time to stop is easy to
    work out as a share of the span. In Infrastructure HO, Network Support team:

    ==============  ===================  ========================  =========  =========
    clock           started (KST)        what happened             state      share
    ==============  ===================  ========================  =========  =========
    at_due          11-02 10:00          stopped 11:40 (= due)     met        100 %
    early           11-03 10:00          stopped 10:30             met        30 %
    paused          11-04 10:00          paused 10:20–10:50, due   met        120/130
                                         12:10, stopped 12:00                 = 92 %
    recomputed      11-05 10:00          target edited to 200 min  met        150/200
                                         and recomputed (due                  = 75 %
                                         13:20), stopped 12:30
    cancelled       11-06 10:00          cancelled 10:30           cancelled  —
    breached_open   11-09 10:00          breach swept at 11:40     breached   —
    late            11-10 10:00          stopped 12:30             breached   150 %
    running         11-25 11:30          due 13:10                 running    —
    due_in_nov      10-31 23:00          due 11-01 00:40,          met        70 %
                                         stopped 00:10
    ==============  ===================  ========================  =========  =========

    Plus, outside the division scope: ``market`` a met clock of Market HO (11-11); outside
    the period: ``october`` a met clock due 10-20.
    """
    commitment = CommitmentFactory(
        code="test.report-100",
        target_kind="elapsed",
        target_minutes=100,
        pause_on_waiting=True,
        reminder_percents=[50, 80],
    )
    division = Division.objects.get(code="infrastructure")
    team = Team.objects.get(code="net-support")
    market = Division.objects.get(code="market")
    month = November(commitment=commitment, division=division, team=team)
    c = month.clocks

    def start(name, *args, where=division, in_team=team):
        c[name] = clock(commitment, start=kst(*args), division=where, team=in_team)
        return c[name]

    for name, day, hour, minute in (
        ("at_due", 2, 10, 0),
        ("early", 3, 10, 0),
        ("paused", 4, 10, 0),
        ("recomputed", 5, 10, 0),
        ("cancelled", 6, 10, 0),
        ("breached_open", 9, 10, 0),
        ("late", 10, 10, 0),
        ("running", 25, 11, 30),
    ):
        start(name, 2026, 11, day, hour, minute)
    start("due_in_nov", 2026, 10, 31, 23, 0)
    start(
        "market",
        2026,
        11,
        11,
        10,
        0,
        where=market,
        in_team=Team.objects.get(code="market-it-infra"),
    )
    start("october", 2026, 10, 20, 10, 0)

    deadline_stop(c["at_due"], at=kst(2026, 11, 2, 11, 40), cause="told")
    deadline_stop(c["early"], at=kst(2026, 11, 3, 10, 30), cause="told")
    deadline_pause(c["paused"], at=kst(2026, 11, 4, 10, 20))
    deadline_resume(c["paused"], at=kst(2026, 11, 4, 10, 50))
    deadline_stop(c["paused"], at=kst(2026, 11, 4, 12, 0), cause="told")
    Commitment.objects.filter(pk=commitment.pk).update(target_minutes=200)
    commitment.refresh_from_db()
    commitment.save()  # a catalogue edit: new history, new terms for what is recomputed
    deadline_recompute(c["recomputed"], at=kst(2026, 11, 5, 10, 5), reason="target changed")
    deadline_stop(c["recomputed"], at=kst(2026, 11, 5, 12, 30), cause="told")
    deadline_cancel(c["cancelled"], at=kst(2026, 11, 6, 10, 30), cause="withdrawn")
    deadline_stop(c["late"], at=kst(2026, 11, 10, 12, 30), cause="told")
    deadline_stop(c["due_in_nov"], at=kst(2026, 11, 1, 0, 10), cause="told")
    deadline_stop(c["market"], at=kst(2026, 11, 11, 10, 10), cause="told")
    deadline_stop(c["october"], at=kst(2026, 10, 20, 10, 10), cause="told")
    sweep(now=kst(2026, 11, 9, 12, 0))
    for name, deadline in c.items():
        c[name] = Deadline.objects.get(pk=deadline.pk)
    return month


def november_voice(month: November) -> None:
    """Calls, call-back and feedback clocks, unkind reports, coupons and scores (see tests)."""
    division, team = month.division, month.team
    answerer = UserFactory(username="report.answerer")
    for rings, apology in ((2, False), (3, False), (4, False), (5, True), (6, False)):
        PhoneCallFactory(
            division=division,
            rings=rings,
            apology_given=apology,
            answered_by=answerer,
            received_at=kst(2026, 11, 12, 10, rings),
            request__team=team,
        )
    PhoneCallFactory(
        division=division, rings=9, answered_by=answerer, received_at=kst(2026, 10, 30, 10)
    )
    callback = Commitment.objects.get(code="phone.absent-callback")
    met = clock(callback, start=kst(2026, 11, 12, 10), division=division, team=team)
    deadline_stop(met, at=kst(2026, 11, 12, 10, 3), cause="called back")
    late = clock(callback, start=kst(2026, 11, 13, 10), division=division, team=team)
    deadline_stop(late, at=kst(2026, 11, 13, 10, 9), cause="called back")
    feedback = Commitment.objects.get(code="voice.complaint-feedback")
    given = clock(feedback, start=kst(2026, 11, 16, 10), division=division, team=team)
    deadline_stop(given, at=kst(2026, 11, 16, 15), cause="feedback")
    clock(feedback, start=kst(2026, 11, 25, 10), division=division, team=team)
    in_nov = UnkindReportFactory(
        request__division=division, request__team=team, decided_at=kst(2026, 11, 17, 9)
    )
    UnkindReportFactory(request__division=division, state="pending", decided_at=None)
    UnkindReportFactory(request__division=division, decided_at=kst(2026, 10, 17, 9))
    CouponFactory(report=in_nov, issued_at=kst(2026, 11, 17, 9))
    for score in (5, 4, 2):
        SurveyFactory(division=division, team=team, score=score, at=kst(2026, 11, 18, 9))
    SurveyFactory(division=Division.objects.get(code="market"), score=1, at=kst(2026, 11, 18))
