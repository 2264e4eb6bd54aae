"""Trigram (``pg_trgm``) GIN indexes for the request list's search: ``UPPER(column) LIKE
UPPER('%words%')`` — what ``icontains`` asks on PostgreSQL — reads them instead of every row,
wherever the words stand inside a longer word (Korean compounds included).

PostgreSQL only: on SQLite (the local mode) the extension and the indexes are skipped and the
search reads the table (``LIKE``), which its small data allows."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

#: (index, table, column) searched by the request list.
INDEXES = (
    ("request_subject_trgm", "requests_desk_request", "subject"),
    ("request_body_trgm", "requests_desk_request", "body"),
    ("request_tracking_trgm", "requests_desk_request", "tracking_code"),
    ("contact_name_trgm", "requests_desk_customercontact", "name"),
    ("contact_email_trgm", "requests_desk_customercontact", "email"),
    ("organisation_name_trgm", "requests_desk_organisation", "name"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
            f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0010_request_list_indexes"),
    ]

    operations = [
        TrigramExtension(),  # does nothing on SQLite
        migrations.RunPython(create, drop),
    ]
