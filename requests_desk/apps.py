from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RequestsDeskConfig(AppConfig):
    name = "requests_desk"
    verbose_name = _("Requests desk")

    def ready(self) -> None:
        from commitments.signals import charter_seeded
        from requests_desk.seed import on_charter_seeded

        # Seeding the charter also seeds the desk's clock-rule table (it refers to the catalogue).
        charter_seeded.connect(on_charter_seeded, dispatch_uid="requests_desk.clock_rules_seed")
