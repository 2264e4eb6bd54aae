"""Who sees which menu entry, and where a person lands after signing in.

The menu shows only what the user may open: the same checks the views make (``is_desk_user``
for the desk, ``may_use_reports`` for the dashboard, ``is_staff`` for the simulator) and, for
the admin, a superuser.
"""

from dataclasses import dataclass

from django.urls import reverse

from commitments.access import is_desk_user
from requests_desk.reports.scopes import may_use_reports


@dataclass(frozen=True)
class Menu:
    desk: bool = False
    reports: bool = False
    simulator: bool = False
    admin: bool = False


def may_use_admin(user) -> bool:
    """Opens the admin: an active superuser (desk staff never, whatever ``is_staff`` says)."""
    return bool(user.is_authenticated and user.is_active and user.is_superuser)


def menu_for(user) -> Menu:
    if not (user.is_authenticated and user.is_active):
        return Menu()
    return Menu(
        desk=is_desk_user(user),
        reports=may_use_reports(user),
        simulator=user.is_staff,
        admin=may_use_admin(user),
    )


def start_page(user) -> str:
    """The address a user lands on after signing in: the queue for the desk, the dashboard for a
    manager outside it, the admin for an admin-only account, else the homepage."""
    menu = menu_for(user)
    if menu.desk:
        return reverse("desk:queue")
    if menu.reports:
        return reverse("reports:dashboard")
    if menu.admin:
        return reverse("admin:index")
    return reverse("home")
