"""A clock's link is no longer stored as a path: it is resolved from the subject's type and id
when it is shown (``commitments.subjects``), so the column goes.

Rolled back, the column comes back filled with the path each registered subject type resolves
to today, in the default language, so that the older code still shows its links."""

from django.conf import settings
from django.db import migrations
from django.db.models import Value
from django.db.models.functions import Concat
from django.utils import translation

#: Stands for the id while a subject type's path is resolved once, then split around it.
ID_MARK = "2147483647"


def fill_paths(apps, schema_editor):
    from commitments.subjects import subject_path

    Deadline = apps.get_model("commitments", "Deadline")
    types = Deadline.objects.order_by().values_list("subject_type", flat=True).distinct()
    with translation.override(settings.LANGUAGE_CODE):
        for subject_type in list(types):
            path = subject_path(subject_type=subject_type, subject_id=ID_MARK)
            if ID_MARK not in path:
                continue
            before, after = path.split(ID_MARK, 1)
            Deadline.objects.filter(subject_type=subject_type).update(
                subject_url=Concat(Value(before), "subject_id", Value(after))
            )


class Migration(migrations.Migration):

    dependencies = [
        ("commitments", "0003_open_clocks_covering_index"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, fill_paths, elidable=True),
        migrations.RemoveField(
            model_name="deadline",
            name="subject_url",
        ),
    ]
