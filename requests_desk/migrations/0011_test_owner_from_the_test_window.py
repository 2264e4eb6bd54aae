"""The default rule that started ``finance.test-owner`` when a PowerBase test request was
received is switched off: the clock counts from the test's start, on its test window. A rule
an admin made with other conditions is left alone; the clocks already started keep their
history."""

from django.db import migrations

NOTE = "Switched off: finance.test-owner now starts on the PowerBase test window."


def switch_off(apps, schema_editor):
    ClockRule = apps.get_model("requests_desk", "ClockRule")
    ClockRule.objects.filter(
        commitment__code="finance.test-owner",
        request_kind="powerbase_test",
        division__isnull=True,
        service__isnull=True,
        channel="",
        active=True,
    ).update(active=False, note=NOTE)


def switch_on(apps, schema_editor):
    ClockRule = apps.get_model("requests_desk", "ClockRule")
    ClockRule.objects.filter(commitment__code="finance.test-owner", note=NOTE).update(
        active=True, note=""
    )


class Migration(migrations.Migration):
    dependencies = [
        ("requests_desk", "0010_charter_subject_records"),
    ]

    operations = [migrations.RunPython(switch_off, switch_on)]
