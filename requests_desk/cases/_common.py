"""Small helpers the desk's services share: time order, look-ups, locking."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.business_time import SEOUL
from commitments.models import Division, Service, Team
from commitments.numbers import plain_id
from commitments.subjects import REQUEST_SUBJECT, subject_path
from requests_desk.cases.errors import DeskError
from requests_desk.models import Request

# A clock on a client machine may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=1)
# Back-dated entries are for what happened recently; the calendars know a bounded range.
LONGEST_BACKDATE = timedelta(days=366)


def instant(value: datetime | None, *, field: str, now: datetime, not_before=None) -> datetime:
    """``value`` (or now) in time order: aware, not in the future, not before ``not_before``."""
    if value is None:
        return now
    if not isinstance(value, datetime):
        raise DeskError({field: [_("Give a date and time.")]})
    if timezone.is_naive(value):
        raise DeskError({field: [_("Give the time with its time zone offset.")]})
    if value > now + CLOCK_SKEW:
        raise DeskError({field: [_("This time is in the future.")]})
    if value < now - LONGEST_BACKDATE:
        raise DeskError({field: [_("This time is more than a year ago.")]})
    if not_before is not None and value < not_before:
        raise DeskError(
            {
                field: [
                    _("This time is before the request was received (%(at)s).")
                    % {"at": local(not_before)}
                ]
            }
        )
    return value


def local(value: datetime) -> str:
    return f"{value.astimezone(SEOUL):%Y-%m-%d %H:%M} KST"


def local_date(value: datetime) -> date:
    return value.astimezone(SEOUL).date()


def start_of(day: date) -> datetime:
    """The first instant of ``day`` in Asia/Seoul (a date field means that date there)."""
    return datetime.combine(day, time.min, tzinfo=SEOUL)


def end_of(day: date) -> datetime:
    """The end of ``day`` in Asia/Seoul, i.e. the first instant of the next day."""
    return start_of(day + timedelta(days=1))


def user_of(value, *, field: str):
    if value in (None, ""):
        return None
    User = get_user_model()
    if isinstance(value, User):
        return value
    try:
        return User.objects.get(pk=plain_id(value), is_active=True)
    except User.DoesNotExist:
        raise DeskError({field: [_("Unknown user.")]}) from None


def default_team(*, division: Division, service: Service | None) -> Team | None:
    """Every request belongs to a team, so every escalation reaches someone: the service's
    team, else the division's first team."""
    if service is not None and service.team_id:
        return service.team
    return division.teams.order_by("code").first()


def lock(request: Request) -> Request:
    """The request's current row, locked until the transaction ends."""
    return (
        Request.objects.select_for_update(of=("self",))
        .select_related("division", "team", "service", "customer", "assignee")
        .get(pk=request.pk)
    )


def bump(request: Request, *fields: str) -> None:
    """Save ``fields`` and the next version; the in-memory version follows."""
    Request.objects.filter(pk=request.pk).update(
        version=F("version") + 1,
        updated_at=timezone.now(),
        **{name: getattr(request, name) for name in fields},
    )
    request.version += 1


def request_url(request: Request) -> str:
    return subject_path(subject_type=REQUEST_SUBJECT, subject_id=request.pk)
