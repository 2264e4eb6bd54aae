"""How fast is the business-time arithmetic and the decision of a clock's next step?

Pure Python, no database: the numbers bound what the sweep and the requests desk spend per
clock before any query. Run from the checkout:

    .venv/bin/python bench/clock_arithmetic.py [--calls 20000] [--seed 7]

It prints microseconds per call (median and p95 over batches of 1,000) for each operation.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from commitments import business_time as bt
from commitments import decisions

SEOUL = ZoneInfo("Asia/Seoul")
BATCH = 1_000


class Clock:
    """Just what ``decisions`` reads."""

    state = "running"
    stopped_at = None
    steps_done: list[str] = []

    def __init__(self, params, calendar, start):
        self.params, self.work_calendar = params, calendar
        self.created_at = self.started_at = start
        self.due_at = decisions.compute_due(params, calendar, start=start)


def random_starts(rng: random.Random, count: int) -> list[datetime]:
    first = datetime(2026, 1, 1, tzinfo=SEOUL)
    return [first + timedelta(minutes=rng.randrange(3 * 365 * 24 * 60)) for _ in range(count)]


def measure(name: str, operation, inputs) -> None:
    per_call = []
    for offset in range(0, len(inputs), BATCH):
        batch = inputs[offset : offset + BATCH]
        began = time.perf_counter()
        for item in batch:
            operation(item)
        per_call.append((time.perf_counter() - began) / len(batch) * 1e6)
    per_call.sort()
    p95 = per_call[min(len(per_call) - 1, int(len(per_call) * 0.95))]
    print(f"{name:<42} median {statistics.median(per_call):8.1f} µs   p95 {p95:8.1f} µs")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    starts = random_starts(rng, args.calls)
    kr, xkrx = bt.WorkCalendar(holiday_source="KR"), bt.WorkCalendar(holiday_source="XKRX")
    frozen = kr.with_frozen_holidays(2025, 2029)
    nine, three_days = timedelta(hours=9), timedelta(hours=27)
    feasibility = {"kind": "business_hours", "minutes": 540, "reminder_percents": [50, 80]}
    trouble = {"kind": "elapsed", "minutes": 30, "reminder_percents": [50, 80]}

    print(f"{args.calls} calls, random starts 2026–2028, Python {sys.version.split()[0]}")
    measure("business_hours 9 h (KR)", lambda s: bt.business_hours(kr, s, nine), starts)
    measure("business_hours 27 h (XKRX)", lambda s: bt.business_hours(xkrx, s, three_days), starts)
    measure("business_hours 9 h (frozen KR)", lambda s: bt.business_hours(frozen, s, nine), starts)
    measure("same_business_day (KR)", lambda s: bt.same_business_day(kr, s), starts)
    measure("calendar_days 1 month", lambda s: bt.calendar_days(kr, s, months=1), starts)
    measure("explain 9 h (KR)", lambda s: bt.explain(kr, s, bt.business_hours(kr, s, nine)), starts)
    clocks = [Clock(feasibility, frozen, s) for s in starts]
    measure("planned_steps, 9 working hours", decisions.planned_steps, clocks)
    elapsed = [Clock(trouble, frozen, s) for s in starts]
    measure("planned_steps, 30 min elapsed", decisions.planned_steps, elapsed)
    measure("decide at due, 9 working hours", lambda c: decisions.decide(c, now=c.due_at), clocks)


if __name__ == "__main__":
    main()
