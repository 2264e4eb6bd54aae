"""``/healthz``: can this process reach what it needs, and is the background worker alive?"""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from notifications.models import WorkerHeartbeat


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


def healthz(request):
    database = database_state()
    broker = broker_state()
    worker_seen = None
    if database == "ok":
        beat = WorkerHeartbeat.objects.filter(name="worker").values_list("at", flat=True).first()
        worker_seen = beat.isoformat() if beat else None
    healthy = database == "ok" and broker in ("ok", "embedded")
    body = {
        "status": "ok" if healthy else "error",
        "mode": settings.CHARTER_ENV,
        "database": database,
        "broker": broker,
        "worker_last_seen": worker_seen,
        "time": timezone.now().isoformat(),
    }
    return JsonResponse(body, status=200 if healthy else 503)
