"""Load the charter: calendars, divisions, teams, services, placeholder contacts, catalogue.

Idempotent and respectful of the admins: a row that exists (same code or username; for
contacts, any row of the service's table) is left exactly as it is, so running the command
again creates only what is missing and never undoes an edit made in the admin.
"""

from datetime import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from commitments import seed_data
from commitments.models import (
    Calendar,
    Commitment,
    Contact,
    Division,
    Service,
    StaffProfile,
    Team,
    WorkingHours,
)
from commitments.signals import charter_seeded

OPENING, CLOSING = time(9, 0), time(18, 0)


class Command(BaseCommand):
    help = "Create the charter's calendars, organisation, placeholder contacts and catalogue."

    @transaction.atomic
    def handle(self, *args, **options):
        seed_data.validate()
        self.created: dict[str, int] = {}
        calendars = {row["code"]: self.calendar(row) for row in seed_data.CALENDARS}
        divisions = {
            row["code"]: self.division(row, calendars[row["calendar"]])
            for row in seed_data.DIVISIONS
        }
        teams = {row["code"]: self.team(row, divisions) for row in seed_data.TEAMS}
        services = {row["code"]: self.service(row, divisions, teams) for row in seed_data.SERVICES}
        # A service's contact table is the admins' once it has any row: placeholders are seeded
        # only into empty tables, so a replaced or removed placeholder never comes back.
        staffed = set(Contact.objects.values_list("service_id", flat=True).distinct())
        for row in seed_data.CONTACTS:
            if services[row["service"]].pk not in staffed:
                self.contact(row, services)
        for row in seed_data.COMMITMENTS:
            self.commitment(row, divisions, services)
        summary = ", ".join(f"{n} {what}" for what, n in sorted(self.created.items()))
        self.stdout.write(f"seed_charter: created {summary or 'nothing (all rows present)'}")
        charter_seeded.send(sender=self.__class__)

    def count(self, what: str, created: bool) -> None:
        if created:
            self.created[what] = self.created.get(what, 0) + 1

    def calendar(self, row: dict) -> Calendar:
        calendar, created = Calendar.objects.get_or_create(
            code=row["code"],
            defaults={k: row[k] for k in ("name_ko", "name_en", "holiday_source", "time_zone")},
        )
        if created:
            for weekday in range(5):
                WorkingHours.objects.create(
                    calendar=calendar, weekday=weekday, opens=OPENING, closes=CLOSING
                )
        self.count("calendars", created)
        return calendar

    def user(self, person: dict):
        user, created = get_user_model().objects.get_or_create(
            username=person["username"],
            defaults={
                "first_name": person["first_name"],
                "last_name": person["last_name"],
                "email": person["email"],
                "is_staff": True,
            },
        )
        if created:
            # Placeholder people cannot log in until an admin gives them a password.
            user.set_unusable_password()
            user.save(update_fields=["password"])
            StaffProfile.objects.get_or_create(user=user, defaults={"phone": person["phone"]})
        self.count("users", created)
        return user

    def division(self, row: dict, calendar: Calendar) -> Division:
        division, created = Division.objects.get_or_create(
            code=row["code"],
            defaults={
                "name_ko": row["name_ko"],
                "name_en": row["name_en"],
                "description_ko": row["description_ko"],
                "description_en": row["description_en"],
                "calendar": calendar,
                "head": self.user(row["head"]),
            },
        )
        self.count("divisions", created)
        return division

    def team(self, row: dict, divisions: dict) -> Team:
        team, created = Team.objects.get_or_create(
            code=row["code"],
            defaults={
                "name_ko": row["name_ko"],
                "name_en": row["name_en"],
                "division": divisions[row["division"]],
                "manager": self.user(row["manager"]),
            },
        )
        if created and team.manager:
            team.members.add(team.manager)
        self.count("teams", created)
        return team

    def service(self, row: dict, divisions: dict, teams: dict) -> Service:
        service, created = Service.objects.get_or_create(
            code=row["code"],
            defaults={
                "name_ko": row["name_ko"],
                "name_en": row["name_en"],
                "division": divisions[row["division"]],
                "team": teams.get(row.get("team")),
                "representative_phone": row.get("representative_phone", ""),
            },
        )
        self.count("services", created)
        return service

    def contact(self, row: dict, services: dict) -> Contact:
        fields = ("name", "title", "role", "phone", "mobile", "on_call")
        contact = Contact.objects.create(
            service=services[row["service"]],
            email=row["email"],
            **{k: row[k] for k in fields},
        )
        self.count("contacts", True)
        return contact

    def commitment(self, row: dict, divisions: dict, services: dict) -> Commitment:
        defaults = {k: v for k, v in row.items() if k not in ("code", "division", "service")}
        defaults["division"] = divisions.get(row["division"]) if row["division"] else None
        defaults["service"] = services.get(row["service"]) if row["service"] else None
        commitment, created = Commitment.objects.get_or_create(code=row["code"], defaults=defaults)
        if created:
            commitment.full_clean()
        self.count("commitments", created)
        return commitment
