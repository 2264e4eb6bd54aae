"""Demo users for trying the portal: ``admin``, ``manager`` and ``staff``.

The password is ``DEMO_PASSWORD`` (default in the README). Existing users keep their password
and roles, so running the command again never undoes what someone changed.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction

from commitments.models import StaffProfile, Team

DEMO_TEAM = "net-support"
DEMO_USERS = [
    # username, first name, last name, superuser
    ("admin", "Admin", "Demo", True),
    ("manager", "Manager", "Demo", False),
    ("staff", "Staff", "Demo", False),
]


class Command(BaseCommand):
    help = "Create the demo users admin, manager and staff (after seed_charter)."

    @transaction.atomic
    def handle(self, *args, **options):
        if not Team.objects.filter(code=DEMO_TEAM).exists():
            call_command("seed_charter", verbosity=0)
        team = Team.objects.get(code=DEMO_TEAM)
        users = {}
        for username, first, last, superuser in DEMO_USERS:
            user, created = get_user_model().objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.com",
                    "is_staff": True,
                    "is_superuser": superuser,
                },
            )
            if created:
                user.set_password(settings.DEMO_PASSWORD)
                user.save()
            StaffProfile.objects.get_or_create(user=user)
            users[username] = user
            self.stdout.write(f"{'created' if created else 'kept'} user {username}")
        staff_group, _ = Group.objects.get_or_create(name="staff")
        managers, _ = Group.objects.get_or_create(name="managers")
        users["staff"].groups.add(staff_group)
        users["manager"].groups.add(managers)
        team.members.add(users["staff"], users["manager"])
        if team.manager is None or team.manager.username.startswith("mgr."):
            # The demo manager takes over the placeholder manager of the demo team.
            team.manager = users["manager"]
            team.save()
