"""Instants as customers read them: Asia/Seoul, Korean and English, with or without the year."""

from datetime import UTC, datetime

from commitments.instant_words import en_instant, ko_instant

# Mon 2026-09-28 06:00 UTC is 15:00 in Seoul (UTC+9).
MONDAY = datetime(2026, 9, 28, 6, 0, tzinfo=UTC)


def test_it_writes_the_seoul_day_and_time_in_korean():
    assert ko_instant(MONDAY) == "9월 28일(월) 15:00"
    assert ko_instant(MONDAY, with_year=True) == "2026년 9월 28일(월) 15:00"


def test_it_writes_the_seoul_day_and_time_in_english():
    assert en_instant(MONDAY) == "Mon 28 Sep 15:00"
    assert en_instant(MONDAY, with_year=True) == "Mon 28 Sep 2026 15:00"


def test_the_day_is_the_one_in_seoul_not_in_utc():
    # Sat 2026-10-03 20:00 UTC is already Sunday 05:00 in Seoul.
    late_saturday = datetime(2026, 10, 3, 20, 0, tzinfo=UTC)

    assert ko_instant(late_saturday) == "10월 4일(일) 05:00"
    assert en_instant(late_saturday) == "Sun 4 Oct 05:00"
