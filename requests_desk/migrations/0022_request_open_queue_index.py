from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0021_request_list_clockless_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("status__in", ("new", "in_review", "in_progress", "waiting"))),
                fields=["assignee", "team"],
                include=("division", "next_due_at", "received_at", "id"),
                name="request_open_queue",
            ),
        ),
    ]
