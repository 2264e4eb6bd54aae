from django.db import migrations

# phone.absent-callback promises to call the customer back ("다시 전화드리겠습니다"): only a
# call-back by phone keeps it, as ``seed_charter`` now writes the row. Catalogues seeded before
# are brought in line; clocks already started keep the terms they were frozen with.
CODE = "phone.absent-callback"


def by_phone(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Commitment.objects.filter(code=CODE, stop_channels=[]).update(stop_channels=["phone"])


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0009_merge_20261203_0110"),
    ]

    operations = [
        migrations.RunPython(by_phone, migrations.RunPython.noop),
    ]
