"""EXPLAIN (ANALYZE, BUFFERS) of the request list's, the search's and the dashboard's key
queries, before and after the indexes and query changes of the request-list work.

"Before" runs the earlier query shapes inside a transaction that first drops the indexes added
since (``requests_desk`` 0010 and 0011), then rolls back; "after" runs today's shapes with every
index. Plain SQL, the shapes the ORM sends (the ids of a page, then its rows).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter_bench_pages_1m \\
    .venv/bin/python bench/explain_lists.py > bench/explain-1m.txt
"""

import os
import sys

import psycopg2

NEW_INDEXES = (
    "request_received",
    "request_division_received",
    "request_status_received",
    "request_kind_received",
    "request_assignee_received",
    "request_team_received",
    "request_subject_trgm",
    "request_body_trgm",
    "request_tracking_trgm",
    "contact_name_trgm",
    "contact_email_trgm",
    "organisation_name_trgm",
)
ROWS = """SELECT r.*, c.*, o.*, d.*, t.*, s.*, u.* FROM requests_desk_request r
  JOIN requests_desk_customercontact c ON c.id = r.customer_id
  JOIN requests_desk_organisation o ON o.id = c.organisation_id
  JOIN commitments_division d ON d.id = r.division_id
  LEFT JOIN commitments_team t ON t.id = r.team_id
  LEFT JOIN commitments_service s ON s.id = r.service_id
  LEFT JOIN auth_user u ON u.id = r.assignee_id"""
WORDS = "가상고객 1234"
LIKE = "'%%' || UPPER(%(words)s) || '%%'"
CASES = (
    (
        "admin list, page 1",
        f"{ROWS} ORDER BY r.received_at DESC, r.id DESC LIMIT 50",
        "SELECT id FROM requests_desk_request ORDER BY received_at DESC, id DESC LIMIT 50",
    ),
    (
        "division head list, page 1",
        f"{ROWS} WHERE r.division_id IN (%(division)s) "
        "ORDER BY r.received_at DESC, r.id DESC LIMIT 50",
        "SELECT id FROM requests_desk_request WHERE division_id IN (%(division)s) "
        "ORDER BY received_at DESC, id DESC LIMIT 50",
    ),
    (
        "list count",
        "SELECT COUNT(*) FROM requests_desk_request",
        "SELECT COUNT(*) FROM (SELECT id FROM requests_desk_request LIMIT 10001) page",
    ),
    (
        "API list, 200th page of 25 (OFFSET before, cursor after)",
        f"{ROWS} ORDER BY r.received_at DESC, r.id DESC LIMIT 25 OFFSET 4975",
        "SELECT id FROM requests_desk_request WHERE received_at <= %(at)s "
        "AND (received_at < %(at)s OR (received_at = %(at)s AND id < %(pk)s)) "
        "ORDER BY received_at DESC, id DESC LIMIT 26",
    ),
    (
        f"search {WORDS!r}",
        f"{ROWS} WHERE UPPER(r.subject) LIKE {LIKE} OR UPPER(r.body) LIKE {LIKE} "
        f"OR UPPER(r.tracking_code) LIKE {LIKE} OR UPPER(c.name) LIKE {LIKE} "
        f"OR UPPER(c.email) LIKE {LIKE} OR UPPER(o.name) LIKE {LIKE} "
        "ORDER BY r.received_at DESC, r.id DESC LIMIT 50",
        f"SELECT id FROM requests_desk_request WHERE UPPER(subject) LIKE {LIKE} "
        f"OR UPPER(body) LIKE {LIKE} OR UPPER(tracking_code) LIKE {LIKE} "
        "OR customer_id = ANY(%(customers)s) ORDER BY received_at DESC, id DESC LIMIT 50",
    ),
    (
        "dashboard: owing clocks due this year, per commitment and terms",
        "SELECT commitment_id, terms_id, COUNT(id) FROM commitments_deadline "
        "WHERE state IN ('running', 'paused') AND due_at >= date_trunc('year', now()) "
        "AND due_at < date_trunc('year', now()) + interval '1 year' GROUP BY 1, 2",
        "SELECT commitment_id, terms_id, COUNT(*) FROM commitments_deadline "
        "WHERE state IN ('running', 'paused') AND due_at >= date_trunc('year', now()) "
        "AND due_at < date_trunc('year', now()) + interval '1 year' GROUP BY 1, 2",
    ),
)


def explain(cursor, sql: str, params: dict) -> str:
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    return "\n".join(f"    {line}" for (line,) in cursor.fetchall())


def main() -> None:
    db = psycopg2.connect(os.environ["DATABASE_URL"])
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM requests_desk_request")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT d.id FROM commitments_division d WHERE code = 'infrastructure'")
        division = cursor.fetchone()[0]
        cursor.execute(
            "SELECT received_at, id FROM requests_desk_request "
            "ORDER BY received_at DESC, id DESC OFFSET 4974 LIMIT 1"
        )
        at, pk = cursor.fetchone()
    db.rollback()
    params = {"division": division, "at": at, "pk": pk, "words": WORDS}
    with db.cursor() as cursor:
        # The search matches customers first (a query of its own), then requests.
        cursor.execute(
            "SELECT c.id FROM requests_desk_customercontact c "
            "JOIN requests_desk_organisation o ON o.id = c.organisation_id "
            f"WHERE UPPER(c.name) LIKE {LIKE} OR UPPER(c.email) LIKE {LIKE} "
            f"OR UPPER(o.name) LIKE {LIKE} LIMIT 1001",
            params,
        )
        params["customers"] = [pk for (pk,) in cursor.fetchall()]
    db.rollback()
    print(f"{total:,} requests; {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}\n")
    for what, before, after in CASES:
        with db.cursor() as cursor:
            for name in NEW_INDEXES:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
            explain(cursor, before, params)  # warm, as "after" is
            plan_before = explain(cursor, before, params)
        db.rollback()
        with db.cursor() as cursor:
            explain(cursor, after, params)
            plan_after = explain(cursor, after, params)
        db.rollback()
        print(f"## {what}\n\nbefore:\n{plan_before}\n\nafter:\n{plan_after}\n", flush=True)
    db.close()


if __name__ == "__main__":
    sys.exit(main())
