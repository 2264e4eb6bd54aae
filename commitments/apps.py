from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self) -> None:
        from commitments.deadlines import forget_frozen_terms
        from commitments.models import Calendar, Closure, Commitment, WorkingHours

        # What clocks freeze into their terms: a change drops the terms remembered.
        for model in (Commitment, Calendar, WorkingHours, Closure):
            for signal in (post_save, post_delete):
                signal.connect(forget_frozen_terms, sender=model, dispatch_uid=f"terms-{model}")
