"""Keep :class:`commitments.models.ClockDaySummary` current, and rebuild it from the clocks.

A summary row is never incremented: it is **recomputed** from the clocks of its group (day,
commitment, division, team, terms), so a repeat, a back-dated stop or a clock moved to another
division can never leave it counted twice. Refreshing a group:

1. runs after the transaction that closed or moved the clocks commits
   (:func:`summaries_refresh_on_commit`): the rows it counts are then visible to everyone, and
   no clock row lock is held while it waits for a group;
2. takes a transaction-level advisory lock per group, in key order, in one statement (after
   turning JIT compilation off for the transaction: it cost more than the statement);
3. recomputes the groups in a second statement (which, under READ COMMITTED, reads a snapshot
   taken after the lock): any clock committed later than that snapshot has its own refresh
   still to come, and that one waits for this lock. So concurrent refreshes cannot lose a clock.

The sweep calls it once per batch with the batch's breached clocks; the desk's services through
:mod:`commitments.deadlines` (stop, cancel, a single breach), when a request moves to another
division (every clock moves) and when it changes team (breached clocks still owing move).
A process killed between a commit and its refresh leaves a group short only until the periodic
reconciliation (:func:`summaries_reconcile`, every ``CHARTER_SUMMARY_RECONCILE_INTERVAL``
seconds) refreshes every group of the last ``CHARTER_SUMMARY_RECONCILE_DAYS`` due days and of
the days ahead; older groups are made good by ``rebuild_report_summaries --since DAY``.

On PostgreSQL both the refresh and the rebuild are single set-based statements (see
:func:`_aggregates`); on SQLite (the embedded local mode, small data) the same figures are
computed in Python.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction

from commitments.business_time import SEOUL
from commitments.models import ClockDaySummary, Deadline
from commitments.models.summary import BUCKET_FIELDS, STOP_BUCKETS, SUMMARY_STATES
from commitments.subjects import subject_clocks_refresh

#: First half of the advisory lock key: the summary groups' own key space.
LOCK_SPACE = 7_301_001
#: (day, commitment id, division key, team key, terms id)
SummaryKey = tuple[date, int, int, int, int]

_TABLE = ClockDaySummary._meta.db_table
_CLOCKS = Deadline._meta.db_table
_COUNTS = ("met", "breached", "cancelled", *BUCKET_FIELDS)
_KEY = ("day", "commitment_id", "division_key", "team_key", "terms_id")
_DAY = "(d.due_at AT TIME ZONE 'Asia/Seoul')::date"
_KEY_SQL = (
    f"{_DAY}, d.commitment_id, COALESCE(d.division_id, 0), COALESCE(d.team_id, 0), d.terms_id"
)


def summary_key(deadline: Deadline) -> SummaryKey:
    return (
        deadline.due_at.astimezone(SEOUL).date(),
        deadline.commitment_id,
        deadline.division_id or 0,
        deadline.team_id or 0,
        deadline.terms_id,
    )


def summary_keys(deadline_ids: Iterable[int]) -> list[SummaryKey]:
    """The groups these clocks count in now (one query)."""
    ids = list(deadline_ids)
    if not ids:
        return []
    rows = Deadline.objects.filter(pk__in=ids).only(
        "due_at", "commitment_id", "division_id", "team_id", "terms_id"
    )
    return sorted({summary_key(row) for row in rows})


def summaries_refresh_on_commit(
    deadline_ids: Iterable[int],
    *,
    keys: Iterable[SummaryKey] = (),
    subjects: Iterable[tuple[str, str]] = (),
) -> None:
    """Refresh the groups of these clocks (and ``keys``, groups they left) once the current
    transaction commits; at once when there is none. ``subjects``: ``(type, id)`` of subjects
    whose clocks stopped or were cancelled, whose apps keep something of their clocks
    (:func:`commitments.subjects.subject_clocks_register`); refreshed then too."""
    ids, extra, owners = list(deadline_ids), list(keys), list(subjects)
    if ids or extra:
        # Robust: the clocks are committed; a refresh that fails is logged (and made good by a
        # rebuild), never turned into an error of the act that stopped the clock.
        transaction.on_commit(lambda: summaries_refresh(deadline_ids=ids, keys=extra), robust=True)
    if owners:
        # After the commit, when this transaction's clock locks are gone: the subject's row is
        # locked by its refresh, and the desk locks a request before its clocks.
        transaction.on_commit(lambda: subject_clocks_refresh(owners), robust=True)


def summaries_refresh(*, deadline_ids: Iterable[int] = (), keys: Iterable[SummaryKey] = ()) -> None:
    """Recompute, from the clocks, the summary groups of ``deadline_ids`` and ``keys``."""
    ids, extra = list(deadline_ids), sorted(set(keys))
    if not ids and not extra:
        return
    if connection.vendor != "postgresql":
        _refresh_python(set(summary_keys(ids)) | set(extra))
        return
    columns = list(zip(*extra, strict=True)) if extra else [[]] * 5
    params = {
        "ids": ids,
        "days": list(columns[0]),
        "commitments": list(columns[1]),
        "divisions": list(columns[2]),
        "teams": list(columns[3]),
        "terms": list(columns[4]),
    }
    keys_sql = f"""
        SELECT DISTINCT {_KEY_SQL} FROM {_CLOCKS} d WHERE d.id = ANY(%(ids)s::bigint[])
        UNION
        SELECT * FROM unnest(%(days)s::date[], %(commitments)s::bigint[], %(divisions)s::int[],
                             %(teams)s::int[], %(terms)s::bigint[])
    """
    with transaction.atomic(), connection.cursor() as cursor:
        # A few hundred index scans: compiling them (JIT) costs more than running them.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(
            f"""
            SELECT pg_advisory_xact_lock({LOCK_SPACE}, hashtext(k::text))
            FROM ({keys_sql}) AS k(day, commitment_id, division_key, team_key, terms_id)
            ORDER BY k::text
            """,
            params,
        )
        key_match = " AND ".join(f"s.{name} = k.{name}" for name in _KEY)
        fresh_match = " AND ".join(f"f.{name} = k.{name}" for name in _KEY)
        cursor.execute(
            f"""
            WITH keys(day, commitment_id, division_key, team_key, terms_id) AS ({keys_sql}),
            fresh AS (
                -- LATERAL: one index range scan (commitment, due day) per group, never a
                -- join over the whole table.
                SELECT k.day, k.commitment_id, k.division_key, k.team_key, k.terms_id, a.*
                FROM keys k
                CROSS JOIN LATERAL (
                    SELECT {_aggregates()}
                    FROM {_CLOCKS} d
                    CROSS JOIN LATERAL ({_share_sql()}) r
                    WHERE d.commitment_id = k.commitment_id
                      AND d.due_at >= (k.day::timestamp AT TIME ZONE 'Asia/Seoul')
                      AND d.due_at < ((k.day + 1)::timestamp AT TIME ZONE 'Asia/Seoul')
                      -- "+ 0": filter, never combine with the terms index (a bitmap of
                      -- a hundred thousand rows per group).
                      AND d.terms_id + 0 = k.terms_id
                      AND COALESCE(d.division_id, 0) = k.division_key
                      AND COALESCE(d.team_id, 0) = k.team_key
                      AND d.state IN {_states_sql()}
                ) a
                WHERE a.met + a.breached + a.cancelled > 0
            ),
            gone AS (
                DELETE FROM {_TABLE} s USING keys k
                WHERE {key_match} AND NOT EXISTS (SELECT 1 FROM fresh f WHERE {fresh_match})
            )
            INSERT INTO {_TABLE} ({", ".join((*_KEY, *_COUNTS))})
            SELECT * FROM fresh
            ON CONFLICT ({", ".join(_KEY)}) DO UPDATE SET
                {", ".join(f"{name} = EXCLUDED.{name}" for name in _COUNTS)}
            """,
            params,
        )


def summaries_reconcile(*, since: date) -> int:
    """Refresh every group of due days from ``since`` on: those the summary has and those its
    closed clocks belong in. Makes good a refresh lost with the process that owed it, under the
    same per-group locks as any refresh, so it can run beside the sweep and the desk. The number
    of groups refreshed."""
    start = datetime.combine(since, datetime.min.time(), tzinfo=SEOUL)
    clocks = Deadline.objects.filter(due_at__gte=start, state__in=SUMMARY_STATES).only(
        "due_at", "commitment_id", "division_id", "team_id", "terms_id"
    )
    keys = {summary_key(clock) for clock in clocks.iterator(chunk_size=5000)}
    keys.update(
        ClockDaySummary.objects.filter(day__gte=since).values_list(*_KEY).distinct().iterator()
    )
    summaries_refresh(keys=keys)
    # What the subjects keep of their clocks, made good the same way.
    subject_clocks_refresh()
    return len(keys)


def summaries_rebuild(*, since: date | None = None) -> int:
    """Throw away the summary (from ``since``, a due day, on) and build it again from the
    clocks, in one transaction; the rows written."""
    if connection.vendor != "postgresql":
        return _rebuild_python(since)
    where, params = f"d.state IN {_states_sql()}", {}
    with transaction.atomic(), connection.cursor() as cursor:
        if since is None:
            cursor.execute(f"DELETE FROM {_TABLE}")
        else:
            cursor.execute(f"DELETE FROM {_TABLE} WHERE day >= %(since)s", {"since": since})
            where += " AND d.due_at >= (%(since)s::timestamp AT TIME ZONE 'Asia/Seoul')"
            params["since"] = since
        cursor.execute(
            f"""
            INSERT INTO {_TABLE} ({", ".join((*_KEY, *_COUNTS))})
            SELECT {_KEY_SQL}, {_aggregates()}
            FROM {_CLOCKS} d CROSS JOIN LATERAL ({_share_sql()}) r
            WHERE {where}
            GROUP BY 1, 2, 3, 4, 5
            """,
            params,
        )
        return cursor.rowcount


def _states_sql() -> str:
    return "(" + ", ".join(f"'{state}'" for state in SUMMARY_STATES) + ")"


def _share_sql() -> str:
    """The clock's time to stop as a share of its span (NULL while it has not stopped)."""
    return (
        "SELECT CASE WHEN d.stopped_at IS NOT NULL AND d.state IN ('met', 'breached') THEN "
        "EXTRACT(EPOCH FROM (d.stopped_at - d.started_at)) "
        "/ GREATEST(EXTRACT(EPOCH FROM (d.due_at - d.started_at)), 1) END AS share"
    )


def _aggregates() -> str:
    """The counts of a group of clocks ``d`` (with ``r.share``), in :data:`_COUNTS` order."""
    parts = [f"count(*) FILTER (WHERE d.state = '{state}')" for state in SUMMARY_STATES]
    low = None
    for edge in STOP_BUCKETS:
        above = "" if low is None else f"r.share > {low / 100} AND "
        parts.append(f"count(*) FILTER (WHERE {above}r.share <= {edge / 100})")
        low = edge
    parts.append(f"count(*) FILTER (WHERE r.share > {low / 100})")
    return ", ".join(f"{part} AS {name}" for part, name in zip(parts, _COUNTS, strict=True))


def stop_bucket(deadline: Deadline) -> str | None:
    """The bucket column of a stopped clock's time to stop (None if it has not stopped)."""
    if deadline.stopped_at is None or deadline.state not in ("met", "breached"):
        return None
    span = max((deadline.due_at - deadline.started_at).total_seconds(), 1)
    share = (deadline.stopped_at - deadline.started_at).total_seconds() / span
    for edge, name in zip(STOP_BUCKETS, BUCKET_FIELDS, strict=False):
        if share <= edge / 100:
            return name
    return BUCKET_FIELDS[-1]


def _rows_python(clocks: Iterable[Deadline]) -> dict[SummaryKey, dict[str, int]]:
    groups: dict[SummaryKey, dict[str, int]] = defaultdict(lambda: dict.fromkeys(_COUNTS, 0))
    for clock in clocks:
        counts = groups[summary_key(clock)]
        counts[clock.state] += 1
        if bucket := stop_bucket(clock):
            counts[bucket] += 1
    return groups


def _write_python(groups: dict[SummaryKey, dict[str, int]]) -> int:
    ClockDaySummary.objects.bulk_create(
        [
            ClockDaySummary(
                day=key[0],
                commitment_id=key[1],
                division_key=key[2],
                team_key=key[3],
                terms_id=key[4],
                **counts,
            )
            for key, counts in groups.items()
        ]
    )
    return len(groups)


def _refresh_python(keys: set[SummaryKey]) -> None:
    with transaction.atomic():
        for key in sorted(keys):
            day, commitment_id, division_key, team_key, terms_id = key
            start = datetime.combine(day, datetime.min.time(), tzinfo=SEOUL)
            clocks = Deadline.objects.filter(
                commitment_id=commitment_id,
                terms_id=terms_id,
                division_id=division_key or None,
                team_id=team_key or None,
                due_at__gte=start,
                due_at__lt=start + timedelta(days=1),
                state__in=SUMMARY_STATES,
            )
            ClockDaySummary.objects.filter(
                day=day,
                commitment_id=commitment_id,
                division_key=division_key,
                team_key=team_key,
                terms_id=terms_id,
            ).delete()
            _write_python(_rows_python(clocks))


def _rebuild_python(since: date | None) -> int:
    clocks = Deadline.objects.filter(state__in=SUMMARY_STATES)
    rows = ClockDaySummary.objects.all()
    if since is not None:
        start = datetime.combine(since, datetime.min.time(), tzinfo=SEOUL)
        clocks, rows = clocks.filter(due_at__gte=start), rows.filter(day__gte=since)
    with transaction.atomic():
        rows.delete()
        return _write_python(_rows_python(clocks.iterator(chunk_size=2000)))
