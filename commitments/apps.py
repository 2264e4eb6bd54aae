from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class CommitmentsConfig(AppConfig):
    name = "commitments"
    verbose_name = _("Commitments")

    def ready(self) -> None:
        from commitments.memo import catalogue_changed
        from commitments.models import (
            Calendar,
            Closure,
            Commitment,
            Division,
            Service,
            Team,
            WorkingHours,
        )

        # What clocks freeze into their terms and requests are placed by: a change drops the
        # terms and the catalogue remembered (commitments.memo).
        for model in (Commitment, Calendar, WorkingHours, Closure, Division, Team, Service):
            for signal in (post_save, post_delete):
                signal.connect(catalogue_changed, sender=model, dispatch_uid=f"terms-{model}")
