"""What a request keeps of its clocks for the list's clock filters: whether it owes one, and
when its worst one is or becomes breached; ``next_due_at`` is computed again with them (the
sweep's breaches never moved it, but nothing else kept it either). Set-based: one grouping of
the owing clocks (a few percent of all), then the indexes."""

from django.conf import settings
from django.db import migrations, models

OWING = "(d.state IN ('running', 'paused') OR (d.state = 'breached' AND d.stopped_at IS NULL))"
COUNTED = "d.state IN ('running', 'breached')"
LATE = "(d.paused_at IS NOT NULL AND d.paused_at >= d.due_at)"
#: A breached clock counts from its due instant, or from its last write if that came first.
BREACH = "CASE WHEN d.state = 'breached' THEN LEAST(d.due_at, d.updated_at) ELSE d.due_at END"


def backfill(apps, schema_editor):
    Request = apps.get_model("requests_desk", "Request")
    Deadline = apps.get_model("commitments", "Deadline")
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"""
            WITH s AS (
                SELECT d.subject_id::bigint AS id,
                       min(d.due_at) FILTER (WHERE {COUNTED}) AS next_due,
                       min({BREACH}) FILTER (WHERE {COUNTED} OR {LATE}) AS breach_at
                FROM {Deadline._meta.db_table} d
                WHERE d.subject_type = 'request' AND d.subject_id ~ '^[0-9]+$' AND {OWING}
                GROUP BY d.subject_id
            )
            UPDATE {Request._meta.db_table} r
            SET owes_clock = true, next_due_at = s.next_due, clock_breach_at = s.breach_at
            FROM s WHERE r.id = s.id
            """
        )
    else:  # the embedded local mode: small data
        owing = Deadline.objects.filter(subject_type="request").filter(
            models.Q(state__in=["running", "paused"])
            | models.Q(state="breached", stopped_at__isnull=True)
        )
        by_request: dict[int, list] = {}
        for clock in owing:
            by_request.setdefault(int(clock.subject_id), []).append(clock)
        for pk, clocks in by_request.items():
            counted = [c.due_at for c in clocks if c.state in ("running", "breached")]
            late = [c.due_at for c in clocks if c.paused_at and c.paused_at >= c.due_at]
            breached = [min(c.due_at, c.updated_at) for c in clocks if c.state == "breached"]
            Request.objects.filter(pk=pk).update(
                owes_clock=True,
                next_due_at=min(counted, default=None),
                clock_breach_at=min(counted + late + breached, default=None),
            )
    Request.objects.filter(next_due_at__isnull=False, owes_clock=False).update(next_due_at=None)


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0010_absent_callback_by_phone"),
        ("notifications", "0008_merge_20261202_2050"),
        ("requests_desk", "0016_merge_20261202_2111"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="request",
            name="clock_breach_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="breached from"
            ),
        ),
        migrations.AddField(
            model_name="request",
            name="owes_clock",
            field=models.BooleanField(default=False, editable=False, verbose_name="owes a clock"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("owes_clock", True)),
                fields=["-received_at", "-id"],
                include=("division", "clock_breach_at"),
                name="request_owing_received",
            ),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("clock_breach_at__isnull", False)),
                fields=["clock_breach_at"],
                include=("division",),
                name="request_clock_breach",
            ),
        ),
    ]
