"""The beat's scheduler in Redis mode: celery-redbeat, made to survive a flushed Redis.

redbeat writes the static schedule (``CELERY_BEAT_SCHEDULE``) to Redis once, when beat starts,
and takes its lock once. After a FLUSHALL (or an eviction, or a Redis that came back empty) the
schedule key is gone and beat would tick forever with nothing to send, and the next lock
extension would fail and stop the process (sibson/redbeat#263). Every tick therefore checks,
with one EXISTS, that the schedule is still there and writes it back if not, and re-takes a lock
that vanished instead of dying. Clocks and messages never live in Redis, so what a flush loses
is "when did this entry last run": each restored entry runs again within one period.

A Redis that is down (or a broker that refuses a message) never stops beat either: the tick
logs it and tries again a few seconds later, and the schedule is written back once Redis answers.
Each tick of the beat that sends the schedule is recorded in the database (``WorkerHeartbeat``
``beat``, at most once per ``CHARTER_HEARTBEAT_INTERVAL``), so ``/healthz`` can tell a dead beat
from an idle one.
"""

import logging
import time

from celery.beat import PersistentScheduler
from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redbeat import RedBeatScheduler
from redbeat.schedulers import LUA_EXTEND_TO_SCRIPT, get_redis
from redis.exceptions import LockError, RedisError

logger = logging.getLogger("celery.beat")

BEAT_HEARTBEAT = "beat"
#: How soon a tick that could not reach Redis is tried again.
OUTAGE_RETRY_SECONDS = 5.0


class TickRecorder:
    """Records the beat's ticks in the database, at most once per heartbeat period."""

    _tick_recorded = float("-inf")

    def record_tick(self) -> None:
        if time.monotonic() - self._tick_recorded < settings.CHARTER_HEARTBEAT_INTERVAL:
            return
        from notifications.models import WorkerHeartbeat

        try:
            WorkerHeartbeat.objects.update_or_create(
                name=BEAT_HEARTBEAT, defaults={"at": timezone.now()}
            )
        except DatabaseError as exc:
            logger.warning("beat: could not record the tick (%s); next tick again", exc)
            close_old_connections()  # a connection the database dropped is replaced next time
            return
        self._tick_recorded = time.monotonic()


class RecordingPersistentScheduler(TickRecorder, PersistentScheduler):
    """Local mode's scheduler (a file beside the embedded broker), its ticks recorded."""

    def tick(self, *args, **kwargs):
        self.record_tick()
        return super().tick(*args, **kwargs)


class RestoringRedBeatScheduler(TickRecorder, RedBeatScheduler):
    def setup_schedule(self):
        """Write the static schedule to Redis; if Redis is down at start-up, beat starts anyway
        and the first tick that reaches Redis writes it."""
        try:
            super().setup_schedule()
        except RedisError as exc:
            logger.warning("beat: Redis is unreachable at start-up (%s); will retry", exc)

    def tick(self, min=min, **kwargs):
        """The base class's tick, with the lock kept (or retaken) and the schedule restored
        before the due entries are read; an outage of Redis waits a few seconds, never stops
        the process."""
        try:
            return self._tick(min=min)
        except (RedisError, BrokerError, OSError) as exc:
            logger.warning(
                "beat: Redis or the broker is unreachable (%s: %s); retrying in %.0f s",
                exc.__class__.__name__,
                exc,
                OUTAGE_RETRY_SECONDS,
            )
            return OUTAGE_RETRY_SECONDS

    def _tick(self, min=min):
        if self.lock_key and not self._keep_lock():
            # Another beat holds the lock now: it sends the schedule, this one waits its turn.
            return self.max_interval
        self.record_tick()
        self.restore_schedule_if_missing()
        remaining_times = []
        try:
            for entry in self.schedule.values():
                next_time_to_run = self.maybe_due(entry, **self._maybe_due_kwargs)
                if next_time_to_run:
                    remaining_times.append(next_time_to_run)
        except RuntimeError:
            logger.debug("beat: RuntimeError", exc_info=True)
        return min([*remaining_times, self.max_interval])

    def restore_schedule_if_missing(self) -> bool:
        """Write the static schedule back if Redis lost it; True if it had to."""
        client = get_redis(self.app)
        if client.exists(self.app.redbeat_conf.schedule_key):
            return False
        logger.warning("beat: the schedule is missing from Redis (flushed?); restoring it")
        self.setup_schedule()
        return True

    def _keep_lock(self) -> bool:
        """Extend the lock, or take it again if it vanished; False if another beat has it.

        The base class extends the lock inside ``tick`` and would raise (and stop beat) once
        Redis no longer has it; here a lost lock is retaken without waiting, or left to the
        beat that got it first."""
        if self.lock is None:
            # redbeat's start-up hook could not take the lock (Redis was down): nothing to keep.
            # (get_redis keeps one client; redis-py reconnects it when Redis is back.)
            self.lock = get_redis(self.app).lock(
                self.lock_key, timeout=self.lock_timeout, sleep=self.max_interval
            )
            self.lock.lua_extend = get_redis(self.app).register_script(LUA_EXTEND_TO_SCRIPT)
        try:
            self.lock.extend(int(self.lock_timeout), replace_ttl=True)
            return True
        except LockError:
            pass
        if self.lock.acquire(blocking=False):
            logger.warning("beat: the lock had vanished from Redis (flushed?); retaken")
            return True
        logger.info("beat: another beat holds the lock; standing by")
        return False
