"""``/healthz``: can this process reach what it needs, and is the background work keeping up?

The sweep is "behind" when a clock's next action has been due for more than
:data:`MAX_SWEEP_LAG` without being taken: then reminders are late, and the probe says 503.
The worker's heartbeat and the beat's tick (both recorded every ``CHARTER_HEARTBEAT_INTERVAL``)
are "stale" when older than ``CHARTER_STALE_PERIODS`` (3) periods: a dead worker or beat turns the
probe red even while nothing is due. One never recorded (a fresh install) is not stale.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Min, Q
from django.http import JsonResponse
from django.utils import timezone

from commitments.models import Deadline
from notifications import clock
from notifications.models import Notification, NotificationState, WorkerHeartbeat
from requests_desk.mail.fetch import mail_sources
from requests_desk.models import MailboxHealth

MAX_SWEEP_LAG = timedelta(seconds=60)


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means "unreachable" to a health probe
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_state() -> str:
    if settings.CELERY_BROKER_EMBEDDED:
        return "embedded"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def background_state() -> dict:
    """The worker's and the sweep's last runs, how late the oldest due action is, and how many
    messages are ready to send but not sent."""
    now = clock.now()
    beats = dict(
        WorkerHeartbeat.objects.filter(name__in=["worker", "sweep", "beat"]).values_list(
            "name", "at"
        )
    )
    # The partial index on next_action_at answers this without reading the other clocks.
    oldest = Deadline.objects.filter(next_action_at__lte=now).aggregate(
        oldest=Min("next_action_at")
    )["oldest"]
    backlog = Notification.objects.filter(
        Q(
            state__in=[NotificationState.QUEUED, NotificationState.RETRY_WAIT],
            next_attempt_at__lte=now,
        )
        | Q(state=NotificationState.SENDING)
    ).count()
    return {
        "worker_last_seen": beats["worker"].isoformat() if "worker" in beats else None,
        "beat_last_tick": beats["beat"].isoformat() if "beat" in beats else None,
        "last_sweep": beats["sweep"].isoformat() if "sweep" in beats else None,
        "sweep_lag_seconds": max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        "outbox_backlog": backlog,
        # The polls record their reads by the worker's clock: compared by this process's.
        **mail_health(now=timezone.now()),
    }


def mail_health(*, now) -> dict:
    """Each configured mailbox's last read through (the oldest of its shares') and whether it
    is stale: a share of it not read for CHARTER_MAIL_STALE_MINUTES (since its first try, if
    never read); None while no poll has tried it. ``last_mail_poll``: the oldest of them."""
    shards = settings.CHARTER_MAIL_SHARDS
    mailboxes = mail_sources()
    rows: dict = {}
    for row in MailboxHealth.objects.filter(
        mailbox__in=[m.label[:200] for m in mailboxes], shards=shards
    ):
        rows.setdefault(row.mailbox, {})[row.shard] = row
    limit = timedelta(minutes=settings.CHARTER_MAIL_STALE_MINUTES)
    report = {}
    for mailbox in mailboxes:
        shares = rows.get(mailbox.label[:200], {})
        reads = [shares[k].last_read_at if k in shares else None for k in range(shards)]
        last = None if None in reads else min(reads)
        stale = None
        if shares:
            first_try = min(row.first_tried_at for row in shares.values())
            stale = any(now - (read or first_try) > limit for read in reads)
        report[mailbox.label] = {"last_read": last.isoformat() if last else None, "stale": stale}
    lasts = [entry["last_read"] for entry in report.values()]
    return {
        "last_mail_poll": None if not lasts or None in lasts else min(lasts),
        "mail_poll_stale": any(entry["stale"] for entry in report.values()) if report else None,
        "mailboxes": report,
    }


def stale_reasons(background: dict) -> list[str]:
    """Why the worker or the beat looks dead: its last record is older than the allowed age."""
    allowed = settings.CHARTER_STALE_PERIODS * settings.CHARTER_HEARTBEAT_INTERVAL
    now = timezone.now()
    reasons = []
    for key, words in (
        ("worker_last_seen", "the worker was last seen %d s ago"),
        ("beat_last_tick", "the beat last ticked %d s ago"),
    ):
        if background.get(key):
            age = (now - datetime.fromisoformat(background[key])).total_seconds()
            if age > allowed:
                reasons.append(words % age + f" (more than {allowed} s)")
    return reasons


def healthz(request):
    database = database_state()
    broker = broker_state()
    background = {
        "worker_last_seen": None,
        "beat_last_tick": None,
        "last_sweep": None,
        "sweep_lag_seconds": None,
        "outbox_backlog": None,
        "last_mail_poll": None,
        "mail_poll_stale": None,
        "mailboxes": None,
    }
    if database == "ok":
        try:
            background = background_state()
        except Exception as exc:  # the database went away between the two probes
            database = f"error: {exc.__class__.__name__}"
    reasons = []
    if database != "ok":
        reasons.append(f"database {database}")
    if broker not in ("ok", "embedded"):
        reasons.append(f"broker {broker}")
    reasons += stale_reasons(background)
    lag = background["sweep_lag_seconds"]
    if lag is not None and lag > MAX_SWEEP_LAG.total_seconds():
        reasons.append(f"the sweep is {lag:.0f} s behind")
    for label, mailbox in (background["mailboxes"] or {}).items():
        if mailbox["stale"]:
            reasons.append(
                f"mailbox {label} not read for {settings.CHARTER_MAIL_STALE_MINUTES} minutes "
                f"(last: {mailbox['last_read'] or 'never'})"
            )
    body = {
        "status": "error" if reasons else "ok",
        "reason": "; ".join(reasons) or None,
        "mode": settings.CHARTER_ENV,
        "database": database,
        "broker": broker,
        **background,
        "time": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=503 if reasons else 200)
