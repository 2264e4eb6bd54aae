"""``network.trouble-plan``: a plan told by SMS or e-mail keeps the promise once the gateway
accepts it, not when it is queued (as ``seed_charter`` now writes it). Clocks already running
keep the terms they started with."""

from django.db import migrations

CODE = "network.trouble-plan"
STOP_KO = "조치 계획 통보(문자·메일은 게이트웨이 접수 시)"
STOP_EN = "plan communicated (an SMS or e-mail once the gateway accepts it)"


def kept_once_delivered(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Commitment.objects.filter(code=CODE).update(
        stop_on_delivery=True, stop_ko=STOP_KO, stop_en=STOP_EN
    )


def kept_when_queued(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Commitment.objects.filter(code=CODE).update(
        stop_on_delivery=False, stop_ko="조치 계획 통보", stop_en="plan communicated"
    )


class Migration(migrations.Migration):
    dependencies = [("commitments", "0007_deadline_due")]

    operations = [migrations.RunPython(kept_once_delivered, kept_when_queued)]
