"""How long the certificate import takes: the check (preview) and the import of N CSV rows.

Drops and creates its own PostgreSQL database (``charter_bench_import`` on the server of
``DATABASE_URL``), migrates, seeds the charter, then checks and imports a generated CSV of
``--rows`` certificates (200 organisations, one contact each per 10 rows, expiries 40–400 days
ahead, one bad row in 50). Prints seconds and milliseconds per row for each step.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/charter REDIS_URL=redis://127.0.0.1:6379/0 \\
      .venv/bin/python bench/certificate_import.py --rows 2000
"""

import argparse
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "charter_bench_import"


def bench_database_url() -> str:
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path=f"/{DATABASE}"))


def recreate_database() -> None:
    import psycopg2

    parts = urlsplit(os.environ["DATABASE_URL"])
    server = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(server)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()


def csv_of(rows: int, *, seed: int) -> bytes:
    rng = random.Random(seed)
    today = date.today()
    lines = ["organisation,contact_name,email,phone,product,serial,expires_on,language"]
    for n in range(rows):
        org, person = n % 200, n // 10
        expires = today + timedelta(days=rng.randint(40, 400))
        if n % 50 == 49:
            expires = today - timedelta(days=1)  # a bad row: already expired
        lines.append(
            f"Bench Securities {org},Contact {person},contact{person}@example.com,"
            f"010-{1000 + person % 9000:04d}-{n % 10000:04d},증권전자인증,BENCH-{n:06d},"
            f"{expires.isoformat()},{rng.choice(['ko', 'en'])}"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    recreate_database()
    os.environ.update(CHARTER_ENV="test", DATABASE_URL=bench_database_url())
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "charter_portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from commitments.models import Division
    from requests_desk.records.imports import (
        certificates_import,
        certificates_preview,
        read_table,
    )

    call_command("migrate", verbosity=0)
    call_command("seed_charter", verbosity=0)
    admin = get_user_model().objects.create_user("bench.admin", is_superuser=True)
    division = Division.objects.get(code="infrastructure")
    content = csv_of(args.rows, seed=args.seed)

    started = time.perf_counter()
    check = certificates_preview(
        read_table(name="bench.csv", content=content), actor=admin, division=division
    )
    checked = time.perf_counter() - started
    started = time.perf_counter()
    imported = certificates_import(check.good, actor=admin, division=division)
    written = time.perf_counter() - started
    print(f"rows: {args.rows}, good: {len(check.good)}, refused: {len(check.bad)}")
    print(f"check (preview): {checked:.1f} s, {1000 * checked / args.rows:.1f} ms/row")
    print(f"import: {imported} in {written:.1f} s, {1000 * written / max(imported, 1):.1f} ms/row")


if __name__ == "__main__":
    main()
