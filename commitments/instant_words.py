"""Instants as customers read them, in Asia/Seoul: "9월 28일(월) 15:00" / "Mon 28 Sep 15:00".

A message to a customer carries Korean and English side by side, whatever language is active,
so the words are written out here rather than taken from the active locale's formats."""

from datetime import datetime

from commitments.business_time import SEOUL

KO_WEEKDAYS = "월화수목금토일"
EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def ko_instant(value: datetime, *, with_year: bool = False) -> str:
    """ "9월 28일(월) 15:00"; with the year, "2026년 9월 28일(월) 15:00"."""
    at = value.astimezone(SEOUL)
    year = f"{at.year}년 " if with_year else ""
    return f"{year}{at.month}월 {at.day}일({KO_WEEKDAYS[at.weekday()]}) {at:%H:%M}"


def en_instant(value: datetime, *, with_year: bool = False) -> str:
    """ "Mon 28 Sep 15:00"; with the year, "Mon 28 Sep 2026 15:00"."""
    at = value.astimezone(SEOUL)
    year = f" {at.year}" if with_year else ""
    return f"{EN_WEEKDAYS[at.weekday()]} {at.day} {EN_MONTHS[at.month - 1]}{year} {at:%H:%M}"
