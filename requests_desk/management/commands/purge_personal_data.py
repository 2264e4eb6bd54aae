from django.core.management.base import BaseCommand

from requests_desk.homepage.services.retention import personal_data_purge


class Command(BaseCommand):
    help = (
        "Destroy the personal data of homepage cases closed longer ago than the retention "
        "period (CHARTER_RETENTION_DAYS), as the consent text promises."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be destroyed; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        report = personal_data_purge(dry_run=dry_run)
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"Closed before {report.cut_off:%Y-%m-%d %H:%M} UTC: {report.cases} cases, "
            f"{report.attachments} attachments, {report.contacts} contacts, "
            f"{report.commendations} commendations and {report.invitations} survey invitations "
            f"{verb} cleared."
        )
