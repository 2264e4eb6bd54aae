"""Business-time arithmetic (SPEC §3).  Plain pytest: no Django, no database.

Every hand-worked case shows its arithmetic.  Holiday facts were checked against
holidays==0.109 (see test_holiday_facts_for_2026_match_the_package).
"""

import json
from calendar import monthrange
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commitments.business_time import (
    HOLIDAY_SOURCES,
    Closure,
    Skipped,
    WorkCalendar,
    business_hours,
    by_requested_date,
    calendar_days,
    elapsed,
    every,
    explain,
    is_working_instant,
    lead_time,
    next_working_instant,
    same_business_day,
    working_time_between,
)

SEOUL = ZoneInfo("Asia/Seoul")
KR = WorkCalendar()
XKRX = WorkCalendar(holiday_source="XKRX")
H = timedelta(hours=1)


def kst(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SEOUL)


# --- holiday facts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "day", "name"),
    [
        ("KR", date(2026, 1, 1), "신정연휴"),  # the package names Jan 1 "신정연휴"
        ("KR", date(2026, 2, 16), "설날 전날"),
        ("KR", date(2026, 2, 17), "설날"),
        ("KR", date(2026, 2, 18), "설날 다음날"),
        ("KR", date(2026, 3, 2), "삼일절 대체 휴일"),
        ("KR", date(2026, 5, 1), "노동절"),
        ("KR", date(2026, 5, 25), "부처님오신날 대체 휴일"),
        ("KR", date(2026, 6, 3), "지방선거일"),
        ("KR", date(2026, 7, 17), "제헌절"),
        ("KR", date(2026, 8, 17), "광복절 대체 휴일"),
        ("KR", date(2026, 9, 24), "추석 전날"),
        ("KR", date(2026, 9, 25), "추석"),
        ("KR", date(2026, 9, 26), "추석 다음날"),  # a Saturday: no substitute for it in 2026
        ("KR", date(2026, 10, 3), "개천절"),
        ("KR", date(2026, 10, 5), "개천절 대체 휴일"),
        ("KR", date(2026, 10, 9), "한글날"),
        ("KR", date(2026, 12, 25), "기독탄신일"),
        ("KR", date(2026, 12, 31), None),  # public calendar works on Dec 31
        ("XKRX", date(2026, 12, 31), "연말휴장일"),
        ("XKRX", date(2026, 6, 3), "지방선거일"),
        ("XKRX", date(2026, 9, 26), None),  # XKRX leaves out holidays that fall on a weekend
        ("XKRX", date(2028, 12, 29), "연말휴장일"),  # Dec 31 2028 is a Sunday: last weekday
        ("NONE", date(2026, 9, 25), None),
    ],
)
def test_holiday_facts_for_2026_match_the_package(source, day, name):
    assert WorkCalendar(holiday_source=source).holiday_name(day) == name


def test_holiday_sources_are_kr_xkrx_and_none():
    assert HOLIDAY_SOURCES == ("KR", "XKRX", "NONE")


# --- business_hours ------------------------------------------------------------------------


def test_spec_example_one_business_day_skips_chuseok_and_weekend():
    # Wed 09-23 15:00-18:00 = 3 h; Thu 24, Fri 25 Chuseok; Sat 26, Sun 27; Mon 28 09:00 + 6 h.
    assert business_hours(KR, kst(2026, 9, 23, 15), 9 * H) == kst(2026, 9, 28, 15)


def test_one_business_day_skips_seollal_and_weekend():
    # Fri 02-13 15:00-18:00 = 3 h; Sat 14, Sun 15; Seollal Mon 16-Wed 18; Thu 19 09:00 + 6 h.
    assert business_hours(KR, kst(2026, 2, 13, 15), 9 * H) == kst(2026, 2, 19, 15)


def test_one_business_day_skips_a_substitute_holiday():
    # Fri 10-02 10:00-18:00 = 8 h; Sat 3 (개천절), Sun 4, Mon 5 substitute; Tue 6 09:00 + 1 h.
    assert business_hours(KR, kst(2026, 10, 2, 10), 9 * H) == kst(2026, 10, 6, 10)


def test_one_business_day_skips_the_local_election_day():
    # Tue 06-02 12:00-18:00 = 6 h; Wed 3 election day; Thu 4 09:00 + 3 h.
    assert business_hours(KR, kst(2026, 6, 2, 12), 9 * H) == kst(2026, 6, 4, 12)


def test_one_business_day_skips_labour_day_and_weekend():
    # Thu 04-30 17:00-18:00 = 1 h; Fri 05-01 Labour Day; Sat, Sun; Mon 05-04 09:00 + 8 h.
    assert business_hours(KR, kst(2026, 4, 30, 17), 9 * H) == kst(2026, 5, 4, 17)


def test_two_business_days_skip_constitution_day_and_end_at_closing():
    # Thu 07-16 09:00-18:00 = 9 h; Fri 17 Constitution Day; Sat, Sun; Mon 20 9 h → 18:00.
    assert business_hours(KR, kst(2026, 7, 16, 9), 18 * H) == kst(2026, 7, 20, 18)


def test_year_end_closure_applies_on_xkrx_but_not_on_kr():
    # Wed 12-30 14:00-18:00 = 4 h, then 5 h more.
    # KR: Thu 12-31 is a working day → 09:00 + 5 h = 14:00.
    assert business_hours(KR, kst(2026, 12, 30, 14), 9 * H) == kst(2026, 12, 31, 14)
    # XKRX: Thu 31 closed, Fri 2027-01-01 New Year, Sat 2, Sun 3 → Mon 01-04 09:00 + 5 h.
    assert business_hours(XKRX, kst(2026, 12, 30, 14), 9 * H) == kst(2027, 1, 4, 14)


def test_start_before_opening_counts_from_opening():
    # Tue 09-01 07:30 → counting starts 09:00; + 2 h = 11:00.
    assert business_hours(KR, kst(2026, 9, 1, 7, 30), 2 * H) == kst(2026, 9, 1, 11)


def test_start_after_closing_counts_from_next_opening():
    # Tue 09-01 20:00 → Wed 02 09:00 + 2 h = 11:00.
    assert business_hours(KR, kst(2026, 9, 1, 20), 2 * H) == kst(2026, 9, 2, 11)


def test_start_on_a_weekend_counts_from_monday_opening():
    # Sat 09-05 10:00 → Mon 07 09:00 + 2 h = 11:00.
    assert business_hours(KR, kst(2026, 9, 5, 10), 2 * H) == kst(2026, 9, 7, 11)


def test_start_on_a_holiday_counts_from_the_next_business_day():
    # Thu 09-24 (Chuseok eve) → Fri holiday, Sat holiday, Sun → Mon 28 09:00 + 1 h = 10:00.
    assert business_hours(KR, kst(2026, 9, 24, 10), H) == kst(2026, 9, 28, 10)


def test_count_ending_exactly_at_closing_is_due_at_that_closing():
    # Mon 09-07 09:00 + 9 h = 18:00 the same day (not Tue 09:00).
    assert business_hours(KR, kst(2026, 9, 7, 9), 9 * H) == kst(2026, 9, 7, 18)


def test_start_exactly_at_closing_counts_from_the_next_opening():
    # [09:00, 18:00) is half-open: Mon 18:00 is not working → Tue 09:00 + 1 h = 10:00.
    assert business_hours(KR, kst(2026, 9, 7, 18), H) == kst(2026, 9, 8, 10)


def test_three_business_days_are_27_working_hours():
    # Mon 09-07 10:00-18:00 = 8 h; Tue 9 h (17); Wed 9 h (26); Thu 10 09:00 + 1 h = 10:00.
    assert business_hours(KR, kst(2026, 9, 7, 10), 27 * H) == kst(2026, 9, 10, 10)


def test_half_day_closure_removes_the_afternoon():
    cal = WorkCalendar(closures=(Closure(date(2026, 9, 8), time(13), time(18), "사내 행사"),))
    # Mon 09-07 15:00-18:00 = 3 h; Tue 09:00-13:00 = 4 h (7); Wed 09:00 + 2 h = 11:00.
    assert business_hours(cal, kst(2026, 9, 7, 15), 9 * H) == kst(2026, 9, 9, 11)


def test_whole_day_closure_skips_the_day():
    cal = WorkCalendar(closures=(Closure(date(2026, 9, 8), reason="정전"),))
    # Mon 09-07 15:00-18:00 = 3 h; Tue closed; Wed 09:00 + 6 h = 15:00.
    assert business_hours(cal, kst(2026, 9, 7, 15), 9 * H) == kst(2026, 9, 9, 15)
    assert not cal.is_business_day(date(2026, 9, 8))


def test_results_are_in_the_calendar_time_zone_whatever_the_input_zone():
    # 06:00 UTC = 15:00 KST; same as the SPEC example.
    start = datetime(2026, 9, 23, 6, tzinfo=ZoneInfo("UTC"))
    due = business_hours(KR, start, 9 * H)
    assert due == kst(2026, 9, 28, 15)
    assert due.tzinfo == SEOUL


def test_a_calendar_without_working_hours_refuses_instead_of_looping():
    closed = WorkCalendar(hours=(None,) * 7)
    with pytest.raises(ValueError):
        business_hours(closed, kst(2026, 9, 1), H)
    with pytest.raises(ValueError):
        same_business_day(closed, kst(2026, 9, 1))
    with pytest.raises(ValueError):
        by_requested_date(closed, date(2026, 9, 1))


# --- same_business_day ---------------------------------------------------------------------


def test_same_business_day_before_closing_is_that_days_closing():
    assert same_business_day(KR, kst(2026, 9, 1, 10)) == kst(2026, 9, 1, 18)
    assert same_business_day(KR, kst(2026, 9, 1, 7)) == kst(2026, 9, 1, 18)  # before opening


def test_same_business_day_exactly_at_closing_belongs_to_the_next_day():
    assert same_business_day(KR, kst(2026, 9, 1, 18)) == kst(2026, 9, 2, 18)


def test_same_business_day_on_a_holiday_is_the_next_business_days_closing():
    # Thu 09-24 Chuseok eve → Fri, Sat holidays, Sun → Mon 28 18:00.
    assert same_business_day(KR, kst(2026, 9, 24, 10)) == kst(2026, 9, 28, 18)


def test_same_business_day_friday_evening_is_monday_or_tuesday_after_a_holiday():
    assert same_business_day(KR, kst(2026, 9, 4, 19)) == kst(2026, 9, 7, 18)
    # Fri 10-02 evening; Mon 10-05 is the 개천절 substitute holiday → Tue 06.
    assert same_business_day(KR, kst(2026, 10, 2, 19)) == kst(2026, 10, 6, 18)


def test_same_business_day_ends_at_a_half_day_closures_start():
    cal = WorkCalendar(closures=(Closure(date(2026, 9, 1), time(13), None, "오후 휴무"),))
    assert same_business_day(cal, kst(2026, 9, 1, 10)) == kst(2026, 9, 1, 13)


# --- calendar_days and lead_time ------------------------------------------------------------


def test_one_month_after_january_31_is_february_28():
    assert calendar_days(KR, kst(2026, 1, 31, 10), months=1) == kst(2026, 2, 28, 10)


def test_one_month_after_march_31_is_april_30():
    assert calendar_days(KR, kst(2026, 3, 31, 10), months=1) == kst(2026, 4, 30, 10)


def test_one_month_after_january_31_in_a_leap_year_is_february_29():
    assert calendar_days(KR, kst(2028, 1, 31, 10), months=1) == kst(2028, 2, 29, 10)


def test_calendar_weeks_and_days_keep_the_time_of_day():
    # Wed 09-16 + 1 week = Wed 09-23; + 1 week + 2 days = Fri 09-25.
    assert calendar_days(KR, kst(2026, 9, 16, 14), weeks=1) == kst(2026, 9, 23, 14)
    assert calendar_days(KR, kst(2026, 9, 16, 14), weeks=1, days=2) == kst(2026, 9, 25, 14)


def test_calendar_days_are_never_moved_off_holidays_or_weekends():
    # Thu 09-17 + 7 days = Thu 09-24, Chuseok eve: stays there.
    assert calendar_days(KR, kst(2026, 9, 17, 10), days=7) == kst(2026, 9, 24, 10)
    # Mon 09-21 + 5 days = Sat 09-26: stays there.
    assert calendar_days(KR, kst(2026, 9, 21, 10), days=5) == kst(2026, 9, 26, 10)


def test_seven_days_before_a_suspension_start():
    # Suspension Sat 10-10 02:00 - 7 days = Sat 10-03 02:00 (개천절) — never moved.
    assert lead_time(KR, kst(2026, 10, 10, 2), days=7) == kst(2026, 10, 3, 2)


def test_one_month_before_march_31_is_february_28():
    assert lead_time(KR, kst(2026, 3, 31, 9), months=1) == kst(2026, 2, 28, 9)


def test_one_month_before_march_31_in_a_leap_year_is_february_29():
    assert lead_time(KR, kst(2028, 3, 31, 9), months=1) == kst(2028, 2, 29, 9)


def test_one_month_before_a_certificate_expiry_on_december_31_is_november_30():
    assert lead_time(KR, kst(2026, 12, 31), months=1) == kst(2026, 11, 30)


def test_negative_calendar_amounts_are_refused():
    with pytest.raises(ValueError):
        calendar_days(KR, kst(2026, 9, 1), days=-1)
    with pytest.raises(ValueError):
        lead_time(KR, kst(2026, 9, 1), months=-1)


# --- by_requested_date ----------------------------------------------------------------------


def test_requested_business_day_is_due_at_its_closing():
    assert by_requested_date(KR, date(2026, 9, 1)) == kst(2026, 9, 1, 18)


def test_requested_saturday_is_due_at_friday_closing():
    assert by_requested_date(KR, date(2026, 9, 5)) == kst(2026, 9, 4, 18)


def test_requested_holiday_after_a_weekend_is_due_the_friday_before():
    # Mon 10-05 substitute holiday ← Sun 4 ← Sat 3 (개천절) ← Fri 10-02 18:00.
    assert by_requested_date(KR, date(2026, 10, 5)) == kst(2026, 10, 2, 18)
    # Sat 09-26 ← Fri 25, Thu 24 Chuseok ← Wed 09-23 18:00.
    assert by_requested_date(KR, date(2026, 9, 26)) == kst(2026, 9, 23, 18)


# --- elapsed and every ----------------------------------------------------------------------


def test_elapsed_is_wall_clock_around_the_clock_and_keeps_the_input_zone():
    # Fri 17:55 + 10 min = 18:05, although that is after closing; weekends count too.
    assert elapsed(kst(2026, 9, 4, 17, 55), timedelta(minutes=10)) == kst(2026, 9, 4, 18, 5)
    utc = datetime(2026, 9, 5, 23, 30, tzinfo=ZoneInfo("UTC"))
    due = elapsed(utc, H)
    assert due == datetime(2026, 9, 6, 0, 30, tzinfo=ZoneInfo("UTC"))
    assert due.tzinfo == utc.tzinfo


def test_every_first_due_is_start_plus_period():
    assert every(kst(2026, 9, 1, 10), timedelta(days=15)) == kst(2026, 9, 16, 10)


def test_every_progress_resets_the_base():
    # Previous due 09-16 10:00, progress sent 09-10 14:00 → 09-10 14:00 + 15 days = 09-25 14:00.
    due = every(
        kst(2026, 9, 1, 10),
        timedelta(days=15),
        previous_due=kst(2026, 9, 16, 10),
        last_progress=kst(2026, 9, 10, 14),
    )
    assert due == kst(2026, 9, 25, 14)


def test_every_without_progress_uses_the_previous_due():
    # 09-16 10:00 + 15 days = 10-01 10:00.
    due = every(kst(2026, 9, 1, 10), timedelta(days=15), previous_due=kst(2026, 9, 16, 10))
    assert due == kst(2026, 10, 1, 10)


# --- working time queries and explain -------------------------------------------------------


def test_working_time_between_the_spec_example_start_and_due_is_nine_hours():
    assert working_time_between(KR, kst(2026, 9, 23, 15), kst(2026, 9, 28, 15)) == 9 * H


def test_working_time_between_clips_to_hours_and_is_zero_when_reversed():
    # Tue 07:00-12:00 → 09:00-12:00 = 3 h.
    assert working_time_between(KR, kst(2026, 9, 1, 7), kst(2026, 9, 1, 12)) == 3 * H
    assert working_time_between(KR, kst(2026, 9, 2), kst(2026, 9, 1)) == timedelta(0)


def test_next_working_instant_and_is_working_instant():
    assert next_working_instant(KR, kst(2026, 9, 1, 10)) == kst(2026, 9, 1, 10)
    assert next_working_instant(KR, kst(2026, 9, 1, 18)) == kst(2026, 9, 2, 9)
    assert next_working_instant(KR, kst(2026, 9, 23, 19)) == kst(2026, 9, 28, 9)
    assert is_working_instant(KR, kst(2026, 9, 1, 9))
    assert not is_working_instant(KR, kst(2026, 9, 1, 18))  # closing is not working time
    assert not is_working_instant(KR, kst(2026, 9, 25, 10))  # Chuseok


def test_explain_lists_chuseok_names_and_closed_hours_for_the_spec_example():
    skipped = explain(KR, kst(2026, 9, 23, 15), kst(2026, 9, 28, 15))
    assert skipped == [
        Skipped(kst(2026, 9, 23, 18), kst(2026, 9, 24), "closed_hours", ""),
        Skipped(kst(2026, 9, 24), kst(2026, 9, 25), "holiday", "추석 전날"),
        Skipped(kst(2026, 9, 25), kst(2026, 9, 26), "holiday", "추석"),
        Skipped(kst(2026, 9, 26), kst(2026, 9, 27), "holiday", "추석 다음날"),
        Skipped(kst(2026, 9, 27), kst(2026, 9, 28), "weekend", ""),
        Skipped(kst(2026, 9, 28), kst(2026, 9, 28, 9), "closed_hours", ""),
    ]


def test_explain_names_a_closure_and_merges_overnight_closed_hours():
    cal = WorkCalendar(closures=(Closure(date(2026, 9, 8), time(13), time(18), "사내 행사"),))
    # Mon 09-07 15:00 → Wed 09-09 11:00 (see the half-day closure case above).
    assert explain(cal, kst(2026, 9, 7, 15), kst(2026, 9, 9, 11)) == [
        Skipped(kst(2026, 9, 7, 18), kst(2026, 9, 8, 9), "closed_hours", ""),
        Skipped(kst(2026, 9, 8, 13), kst(2026, 9, 8, 18), "closure", "사내 행사"),
        Skipped(kst(2026, 9, 8, 18), kst(2026, 9, 9, 9), "closed_hours", ""),
    ]


def test_working_intervals_are_aware_and_subtract_closures():
    cal = WorkCalendar(closures=(Closure(date(2026, 9, 1), time(12), time(13), "점심 점검"),))
    assert cal.working_intervals(date(2026, 9, 1)) == [
        (kst(2026, 9, 1, 9), kst(2026, 9, 1, 12)),
        (kst(2026, 9, 1, 13), kst(2026, 9, 1, 18)),
    ]
    assert cal.working_intervals(date(2026, 9, 25)) == []  # Chuseok
    assert cal.working_intervals(date(2026, 9, 5)) == []  # Saturday


# --- calendar validation and serialisation -------------------------------------------------


def test_calendar_round_trips_through_json():
    cal = WorkCalendar(
        hours=((time(9), time(18)),) * 5 + ((time(9), time(13)), None),
        holiday_source="XKRX",
        closures=(
            Closure(date(2026, 9, 8), time(13), time(18), "사내 행사"),
            Closure(date(2026, 9, 9)),
        ),
    )
    data = json.loads(json.dumps(cal.to_dict()))
    assert data["hours"][5] == ["09:00", "13:00"]
    assert data["hours"][6] is None
    assert data["closures"][0]["day"] == "2026-09-08"
    assert WorkCalendar.from_dict(data) == cal


@pytest.mark.parametrize(
    "kwargs",
    [
        {"holiday_source": "US"},
        {"tz_name": "Mars/Olympus"},
        {"hours": ((time(9), time(18)),) * 5},
        {"hours": ((time(18), time(9)),) * 5 + (None, None)},
    ],
)
def test_invalid_calendars_are_refused(kwargs):
    with pytest.raises(ValueError):
        WorkCalendar(**kwargs)


def test_naive_datetimes_are_refused():
    naive = datetime(2026, 9, 1, 10)
    for call in (
        lambda: elapsed(naive, H),
        lambda: business_hours(KR, naive, H),
        lambda: same_business_day(KR, naive),
        lambda: calendar_days(KR, naive, days=1),
        lambda: lead_time(KR, naive, days=1),
        lambda: every(naive, H),
        lambda: working_time_between(KR, naive, kst(2026, 9, 2)),
        lambda: next_working_instant(KR, naive),
        lambda: is_working_instant(KR, naive),
        lambda: explain(KR, kst(2026, 9, 1), naive),
    ):
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize("duration", [timedelta(0), -H])
def test_zero_or_negative_business_duration_is_refused(duration):
    with pytest.raises(ValueError):
        business_hours(KR, kst(2026, 9, 1, 10), duration)


# --- properties ------------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        KR,
        XKRX,
        WorkCalendar(holiday_source="NONE"),
        WorkCalendar(
            hours=((time(8, 30), time(17, 30)),) * 5 + ((time(9), time(12)), None),
            closures=(
                Closure(date(2026, 9, 8), time(13), time(18), "사내 행사"),
                Closure(date(2027, 3, 3), reason="정전"),
            ),
        ),
    ]
)
STARTS = st.datetimes(
    min_value=datetime(2025, 1, 1),
    max_value=datetime(2028, 12, 31, 23, 59),
    timezones=st.just(SEOUL),
).map(lambda d: d.replace(second=0, microsecond=0))
DURATIONS = st.integers(1, 60 * 60).map(lambda m: timedelta(minutes=m))
PROPERTY = settings(max_examples=200, deadline=None)


@PROPERTY
@given(CALENDARS, STARTS, DURATIONS)
def test_forward_kinds_are_never_due_before_start(cal, start, duration):
    assert business_hours(cal, start, duration) > start
    assert same_business_day(cal, start) > start
    assert elapsed(start, duration) > start
    assert calendar_days(cal, start, days=duration.seconds // 3600) >= start
    assert every(start, duration) > start


@PROPERTY
@given(CALENDARS, STARTS, DURATIONS, DURATIONS)
def test_business_hours_is_monotone_in_duration(cal, start, a, b):
    shorter, longer = sorted((a, b))
    assert business_hours(cal, start, shorter) <= business_hours(cal, start, longer)


@PROPERTY
@given(CALENDARS, STARTS, DURATIONS, DURATIONS)
def test_business_hours_composes(cal, start, a, b):
    assert business_hours(cal, start, a + b) == business_hours(
        cal, business_hours(cal, start, a), b
    )


@PROPERTY
@given(CALENDARS, STARTS, DURATIONS)
def test_business_hours_due_lies_in_opening_to_closing_inclusive(cal, start, duration):
    due = business_hours(cal, start, duration)
    intervals = cal.working_intervals(due.date())
    assert any(opening < due <= closing for opening, closing in intervals)


@PROPERTY
@given(CALENDARS, STARTS, DURATIONS)
def test_working_time_up_to_a_business_hours_due_is_the_duration(cal, start, duration):
    # Stronger than "when start is a working instant": no working time precedes the opening.
    due = business_hours(cal, start, duration)
    assert working_time_between(cal, start, due) == duration
    working_start = next_working_instant(cal, start)
    assert is_working_instant(cal, working_start)
    assert working_time_between(cal, working_start, due) == duration


@PROPERTY
@given(CALENDARS, STARTS, st.integers(0, 400))
def test_calendar_days_and_lead_time_round_trip_for_days(cal, start, days):
    assert lead_time(cal, calendar_days(cal, start, days=days), days=days) == start
    assert calendar_days(cal, lead_time(cal, start, days=days), days=days) == start


@PROPERTY
@given(CALENDARS, STARTS, DURATIONS)
def test_explained_stretches_plus_working_time_fill_the_whole_span(cal, start, duration):
    due = business_hours(cal, start, duration)
    skipped = sum((s.end - s.start for s in explain(cal, start, due)), timedelta(0))
    assert skipped + duration == due - start


@PROPERTY
@given(CALENDARS, STARTS, st.integers(0, 400), st.integers(0, 400), st.integers(0, 24))
def test_elapsed_and_calendar_clocks_are_monotone_in_their_target(cal, start, a, b, months):
    shorter, longer = sorted((a, b))
    assert elapsed(start, timedelta(minutes=shorter)) <= elapsed(start, timedelta(minutes=longer))
    assert calendar_days(cal, start, days=shorter) <= calendar_days(cal, start, days=longer)
    assert calendar_days(cal, start, months=months) <= calendar_days(cal, start, months=months + 1)
    assert lead_time(cal, start, months=months + 1) <= lead_time(cal, start, months=months)


@PROPERTY
@given(CALENDARS, STARTS, st.integers(1, 24))
def test_months_clamp_to_the_month_end_and_keep_the_time_of_day(cal, start, months):
    due = calendar_days(cal, start, months=months)
    local_start, local_due = start.astimezone(cal.tz), due.astimezone(cal.tz)
    month_index = local_due.year * 12 + local_due.month
    assert month_index - (local_start.year * 12 + local_start.month) == months
    assert local_due.day == min(local_start.day, monthrange(local_due.year, local_due.month)[1])
    assert local_due.time() == local_start.time()
    # Counting back the same months never lands after the start (clamping only shortens).
    assert lead_time(cal, due, months=months) <= start


# --- frozen holidays -------------------------------------------------------------------------


def test_frozen_holidays_round_trip_and_answer_inside_their_years():
    frozen = KR.with_frozen_holidays(2026, 2026)
    assert frozen.holiday_name(date(2026, 9, 25)) == "추석"
    again = WorkCalendar.from_dict(json.loads(json.dumps(frozen.to_dict())))
    assert again == frozen
    assert again.holiday_name(date(2026, 9, 25)) == "추석"


def test_a_frozen_calendar_keeps_its_own_holidays_whatever_the_source_says_now():
    # As if the calendar had been frozen when Tue 2026-09-22 was a holiday (a later package
    # release dropping it must not move clocks computed with it): Mon 17:00 + 2 h skips Tuesday.
    frozen = KR.with_frozen_holidays(2026, 2026)
    extra = WorkCalendar.from_dict(
        frozen.to_dict()
        | {"frozen_holidays": frozen.to_dict()["frozen_holidays"] | {"2026-09-22": "임시"}}
    )
    assert extra.holiday_name(date(2026, 9, 22)) == "임시"
    # Mon 21 17:00–18:00 = 1 h; Tue 22 frozen holiday; Wed 23 09:00 + 1 h = 10:00.
    assert business_hours(extra, kst(2026, 9, 21, 17), 2 * H) == kst(2026, 9, 23, 10)
    # Outside the frozen years the source answers.
    assert extra.holiday_name(date(2027, 1, 1)) == KR.holiday_name(date(2027, 1, 1))
