"""The codes the portal speaks (SPEC §5): plain tuples any module may import, Django or not."""

# "One business day" in the charter is nine working hours (SPEC §3).
BUSINESS_DAY_MINUTES = 9 * 60

DIVISION_CODES = ("market", "information", "financial", "infrastructure", "bizdev")

TARGET_KINDS = (
    "elapsed",
    "business_hours",
    "same_business_day",
    "calendar_days",
    "lead_time",
    "by_requested_date",
    "every",
    "per_call",
    "rule",
)

# Purposes of a communication to the customer; a commitment stops on some of them.
PURPOSES = (
    "feasibility",
    "result",
    "eta",
    "progress",
    "plan",
    "callback",
    "delay",
    "schedule",
    "feedback",
    "other",
)

# Catalogue codes more than one module names (the catalogue itself is ``seed_data``).
ABSENT_CALLBACK = "phone.absent-callback"
COMPLAINT_FEEDBACK = "voice.complaint-feedback"
