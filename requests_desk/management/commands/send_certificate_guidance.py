"""``manage.py send_certificate_guidance``: one pass of the certificates' renewal guidance now
(the periodic task runs the same function)."""

from django.core.management.base import BaseCommand

from requests_desk.records.certificates import certificates_guide_due


class Command(BaseCommand):
    help = "Send the renewal guidance of every certificate whose clock falls due within a day."

    def handle(self, *args, **options):
        self.stdout.write(f"certificates guided: {certificates_guide_due()}")
