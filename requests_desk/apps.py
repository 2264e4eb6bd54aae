from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import gettext_lazy as _


class RequestsDeskConfig(AppConfig):
    name = "requests_desk"
    verbose_name = _("Requests desk")

    def ready(self) -> None:
        from commitments.memo import catalogue_changed, members_changed, people_changed
        from commitments.models import Team
        from commitments.signals import charter_seeded
        from commitments.subjects import (
            REQUEST_SUBJECT,
            clock_start_register,
            subject_clocks_register,
            subject_page_register,
        )
        from notifications.incidents.services import INCIDENT_SUBJECT
        from notifications.notices.services import ANNOUNCEMENT_SUBJECT, SUSPENSION_SUBJECT
        from requests_desk.cases.clocks import CASE_CLOCK_STARTS, requests_clocks_refresh
        from requests_desk.models import CannedReply, ClockRule
        from requests_desk.records import (
            RECORD_CLOCK_STARTS,
            desk,  # noqa: F401  (defines the records' pages)
        )
        from requests_desk.seed import on_charter_seeded

        # The clock rules are read by every new request, the canned replies by every request
        # page: both are remembered with the catalogue.
        for signal in (post_save, post_delete):
            signal.connect(catalogue_changed, sender=ClockRule, dispatch_uid="rules-changed")
            signal.connect(catalogue_changed, sender=CannedReply, dispatch_uid="replies-changed")
        # The people a request can be handed to (the transfer form's) are remembered with it
        # too: a person's row or a team's members changing forgets them.
        for signal in (post_save, post_delete):
            signal.connect(people_changed, sender=get_user_model(), dispatch_uid="people-changed")
        m2m_changed.connect(
            members_changed, sender=Team.members.through, dispatch_uid="members-changed"
        )
        # Seeding the charter also seeds the desk's clock-rule table (it refers to the catalogue).
        charter_seeded.connect(on_charter_seeded, dispatch_uid="requests_desk.clock_rules_seed")
        # The desk's pages show the subjects clocks are owed on: a clock's link (in its
        # messages, on the reports) is resolved from these when it is shown.
        subject_page_register(subject_type=REQUEST_SUBJECT, url_name="desk:request-detail")
        # A request keeps its next due and breach instants for its queue and list: refreshed
        # after clocks stop or are cancelled outside the desk (a delivery), and reconciled.
        subject_clocks_register(subject_type=REQUEST_SUBJECT, refresh=requests_clocks_refresh)
        subject_page_register(subject_type=SUSPENSION_SUBJECT, url_name="desk-notices:suspension")
        subject_page_register(
            subject_type=ANNOUNCEMENT_SUBJECT, url_name="desk-notices:announcement"
        )
        subject_page_register(subject_type=INCIDENT_SUBJECT, url_name="desk-incidents:incident")
        # The charter records (certificates, handovers, …) are shown by their own pages.
        from requests_desk.records.pages import REGISTRY

        for pages in REGISTRY:
            subject_page_register(
                subject_type=pages.model.subject_type, url_name=f"desk-records:{pages.name()}"
            )
        # Clocks the desk starts from a request's details or a call rather than a clock rule.
        for code, words in (*CASE_CLOCK_STARTS, *RECORD_CLOCK_STARTS):
            clock_start_register(code=code, words=words)
