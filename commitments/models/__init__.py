from commitments.models.calendar import Calendar, Closure, WorkingHours
from commitments.models.catalogue import Commitment, TargetKind
from commitments.models.deadline import (
    ClockTerms,
    Deadline,
    DeadlineEvent,
    DeadlineState,
    RiskHorizon,
)
from commitments.models.directory import Contact, Division, Service, StaffProfile, Team
from commitments.models.summary import ClockDaySummary

__all__ = [
    "Calendar",
    "ClockDaySummary",
    "ClockTerms",
    "Closure",
    "Commitment",
    "Contact",
    "Deadline",
    "DeadlineEvent",
    "DeadlineState",
    "Division",
    "RiskHorizon",
    "Service",
    "StaffProfile",
    "TargetKind",
    "Team",
    "WorkingHours",
]
