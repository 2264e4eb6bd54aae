from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0020_contact_and_organisation_lookup_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="request",
            index=models.Index(
                condition=models.Q(("owes_clock", False)),
                fields=["-received_at", "-id"],
                include=("division",),
                name="request_clockless_received",
            ),
        ),
    ]
