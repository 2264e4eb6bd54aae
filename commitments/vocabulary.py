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

# Channels an act of telling the customer goes by (``requests_desk.vocabulary.Channel``,
# checked equal in the tests); a commitment may accept only some of them.
CHANNELS = ("phone", "email", "homepage", "visit", "support_center", "document", "sms")
# Channels the outbox sends: what counts on them is the gateway's acceptance, when the
# commitment asks for delivery, not the message being queued.
OUTBOX_CHANNELS = ("email", "sms")

# Catalogue codes more than one module names (the catalogue itself is ``seed_data``).
ABSENT_CALLBACK = "phone.absent-callback"
COMPLAINT_FEEDBACK = "voice.complaint-feedback"
