from django.db import migrations

# common.support-eta: "process at once; if it takes over an hour, tell the expected time within
# 10 minutes". An inquiry resolved within the 10 minutes owes no expected time, so resolution
# stops the clock too, as ``seed_charter`` now writes the row. Catalogues seeded before are
# brought in line; clocks already started keep the terms they were frozen with.
CODE = "common.support-eta"
STOP_KO = (
    "처리 예정 시간 통보, 또는 담당자가 ‘1시간 이내 처리’를 기록"
    "(이 경우 처리 완료로만 멈추는 1시간 시계가 시작됨), 또는 즉시 처리 완료"
)
STOP_EN = (
    'ETA communicated, or the handler records "under an hour" (which starts a 1-hour'
    " clock that only resolution stops), or the inquiry resolved at once"
)


def kept_by_resolution(apps, schema_editor):
    Commitment = apps.get_model("commitments", "Commitment")
    Commitment.objects.filter(code=CODE, stop_status="").update(
        stop_status="resolved", stop_ko=STOP_KO, stop_en=STOP_EN
    )


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0007_deadline_due"),
    ]

    operations = [
        migrations.RunPython(kept_by_resolution, migrations.RunPython.noop),
    ]
