"""Demo data: the users ``admin``, ``manager`` and ``staff``, customers and requests.

The password is ``DEMO_PASSWORD`` (default in the README). Existing users keep their password
and roles, so running the command again never undoes what someone changed. Each run also makes
sure one demo support inquiry received "now" is open, whose 10-minute clock reminds and
breaches within minutes while ``make run`` is up.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from commitments.models import Team
from requests_desk import demo
from requests_desk.notices import demo as demo_notices
from requests_desk.records import demo as demo_records


class Command(BaseCommand):
    help = "Create the demo users, customers and requests (after seed_charter)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not Team.objects.filter(code=demo.DEMO_TEAM).exists():
            call_command("seed_charter", verbosity=0)
        users = demo.demo_users(stdout=self.stdout)
        past = demo.demo_history(actor=users["staff"])
        made = demo.demo_requests(actor=users["admin"])
        live = demo.demo_live_support_inquiry(actor=users["staff"])
        notices = demo_notices.demo_notices(actor=users["staff"])
        records = demo_records.demo_records(actor=users["admin"], staff=users["staff"])
        self.stdout.write(
            f"demo requests: created {len(made)}; live support inquiry: "
            + (f"created {live.tracking_code}" if live else "one is still open")
        )
        self.stdout.write(f"demo notices: created {len(notices)}")
        self.stdout.write(f"demo charter records: created {len(records)}")
        self.stdout.write(f"demo history: created {len(past)} past requests")
