"""Seoul wall-clock instants for tests, and travelling to one."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine

SEOUL = ZoneInfo("Asia/Seoul")


def kst(*args: int) -> datetime:
    """``kst(2026, 9, 28, 15)``: that wall-clock instant in Asia/Seoul."""
    return datetime(*args, tzinfo=SEOUL)


def at(*args: int):
    """Travel to a Seoul wall-clock instant and stay there (the services read "now")."""
    return time_machine.travel(kst(*args), tick=False)
