from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications.incidents.models import incident_clock_starts
        from notifications.notices.services import notice_clock_starts

        # What starts the clocks of the subjects this app owns, for the homepage's promises.
        incident_clock_starts()
        notice_clock_starts()
