"""The outbox's idempotency key keeps its unique constraint (same name, same index) and loses
the LIKE index (``varchar_pattern_ops``) that ``unique=True`` adds on PostgreSQL: nothing reads
it, and every message written paid for an entry in it. Dropping an index takes no scan."""

from django.db import migrations, models

LIKE_INDEX = "notifications_notification_idempotency_key_0aab04ad_like"


def drop_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {LIKE_INDEX}")


def create_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {LIKE_INDEX} "
            "ON notifications_notification (idempotency_key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0008_merge_20261202_2050"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The unique constraint is the one ``unique=True`` made: only the state moves.
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="idempotency_key",
                    field=models.CharField(max_length=200, verbose_name="idempotency key"),
                ),
                migrations.AddConstraint(
                    model_name="notification",
                    constraint=models.UniqueConstraint(
                        fields=("idempotency_key",),
                        name="notifications_notification_idempotency_key_key",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_like_index, create_like_index)],
        ),
    ]
