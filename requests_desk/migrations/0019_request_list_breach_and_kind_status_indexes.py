from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0018_mailbox_health_and_uid_validity"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                fields=["kind", "status", "-received_at", "-id"],
                name="request_kind_status_received",
            ),
        ),
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("clock_breach_at__isnull", False)),
                fields=["-received_at", "-id"],
                include=("division", "clock_breach_at"),
                name="request_breach_received",
            ),
        ),
    ]
