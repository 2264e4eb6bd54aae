"""The daily call summary the SLA reports read, counted from the calls already logged."""

from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

# The rules of requests_desk.models.contacts when this was written.
RINGS_MET_AT_MOST, APOLOGY_OWED_ABOVE = 3, 4


def count_the_calls(apps, schema_editor):
    PhoneCall = apps.get_model("requests_desk", "PhoneCall")
    CallDaySummary = apps.get_model("requests_desk", "CallDaySummary")
    owed = Q(rings__gt=APOLOGY_OWED_ABOVE)
    days = (
        PhoneCall.objects.annotate(day=TruncDate("received_at", tzinfo=ZoneInfo("Asia/Seoul")))
        .values("day", "division_id", "team_id")
        .annotate(
            calls=Count("*"),
            within_three=Count("pk", filter=Q(rings__lte=RINGS_MET_AT_MOST)),
            apology_owed=Count("pk", filter=owed),
            apology_given=Count("pk", filter=owed & Q(apology_given=True)),
        )
        .order_by()
    )
    CallDaySummary.objects.bulk_create(
        (
            CallDaySummary(
                day=day.pop("day"),
                division_key=day.pop("division_id"),
                team_key=day.pop("team_id") or 0,
                **day,
            )
            for day in days.iterator()
        ),
        batch_size=5000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0022_request_open_queue_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="CallDaySummary",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "day",
                    models.DateField(
                        help_text="The Asia/Seoul date the call came in.", verbose_name="day"
                    ),
                ),
                ("division_key", models.IntegerField(verbose_name="division id")),
                ("team_key", models.IntegerField(verbose_name="answering team id (0: none)")),
                ("calls", models.IntegerField(default=0, verbose_name="calls")),
                (
                    "within_three",
                    models.IntegerField(default=0, verbose_name="answered within three rings"),
                ),
                ("apology_owed", models.IntegerField(default=0, verbose_name="apologies owed")),
                (
                    "apology_given",
                    models.IntegerField(default=0, verbose_name="apologies owed and given"),
                ),
            ],
            options={
                "verbose_name": "daily call summary",
                "verbose_name_plural": "daily call summaries",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("day", "division_key", "team_key"),
                        name="one_call_summary_per_day",
                    )
                ],
            },
        ),
        migrations.RunPython(count_the_calls, migrations.RunPython.noop),
    ]
