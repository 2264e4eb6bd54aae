"""What a report covers — the company, a division or a team — and who may see which.

- Admins: the company, and any division or team.
- Managers (division heads, team managers, the ``managers`` group): the divisions
  :func:`commitments.access.divisions_of` gives them (a head's division; a team manager's
  division, whose requests they already work on the desk) and the teams of those divisions.
  With no scope asked for, a head sees their division and a team manager their team.
- Anyone else: no reports (403). A division or team that exists but is not theirs: 403; a code
  that does not exist: a form error (400).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commitments.access import divisions_of, is_admin, is_manager
from commitments.models import Division, Team


class ScopeError(ValueError):
    """An unknown division or team code: ``field`` says which."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Scope:
    division: Division | None = None
    team: Team | None = None

    @property
    def kind(self) -> str:
        return "team" if self.team else "division" if self.division else "company"

    @property
    def label(self) -> str:
        if self.team:
            return f"{self.team.division.name} · {self.team.name}"
        if self.division:
            return self.division.name
        return str(_("Whole company"))

    def query(self) -> dict[str, str]:
        if self.team:
            return {"team": self.team.code}
        if self.division:
            return {"division": self.division.code}
        return {}

    # The same scope as a filter on each table the reports read.
    def clocks(self) -> Q:
        if self.team:
            return Q(team_id=self.team.pk)
        return Q(division_id=self.division.pk) if self.division else Q()

    def summary(self) -> Q:
        if self.team:
            return Q(team_key=self.team.pk)
        return Q(division_key=self.division.pk) if self.division else Q()

    def by_division(self, *, team_path: str | None, division_path: str = "division_id") -> Q:
        """A filter for rows that carry a division (and reach a team through ``team_path``).

        A team's rows are filtered by its division as well (a request's team belongs to the
        request's division): that lets the (division, time) indexes narrow them first."""
        if self.team:
            if not team_path:
                return Q(pk__in=[])
            return Q(**{division_path: self.team.division_id, team_path: self.team.pk})
        return Q(**{division_path: self.division.pk}) if self.division else Q()


def may_use_reports(user) -> bool:
    return is_manager(user)


def report_divisions(user) -> set[int] | None:
    """The division ids ``user`` may report on (``None``: all); PermissionDenied for anyone who
    is not a manager."""
    if not may_use_reports(user):
        raise PermissionDenied
    return None if is_admin(user) else divisions_of(user)


def scope_for(user, *, division: str = "", team: str = "") -> Scope:
    """The scope asked for (codes), checked against what ``user`` may see."""
    allowed = report_divisions(user)
    if team:
        found = Team.objects.select_related("division").filter(code=team).first()
        if found is None:
            raise ScopeError("team", str(_("There is no team with this code.")))
        if division and found.division.code != division:
            raise ScopeError("team", str(_("This team does not belong to the division chosen.")))
        if allowed is not None and found.division_id not in allowed:
            raise PermissionDenied
        return Scope(division=found.division, team=found)
    if division:
        found = Division.objects.filter(code=division).first()
        if found is None:
            raise ScopeError("division", str(_("There is no division with this code.")))
        if allowed is not None and found.pk not in allowed:
            raise PermissionDenied
        return Scope(division=found)
    return default_scope(user, allowed=allowed)


def default_scope(user, *, allowed: set[int] | None) -> Scope:
    if allowed is None:
        return Scope()
    headed = Division.objects.filter(head=user, pk__in=allowed).order_by("code").first()
    if headed:
        return Scope(division=headed)
    managed = Team.objects.select_related("division").filter(manager=user).order_by("code").first()
    if managed:
        return Scope(division=managed.division, team=managed)
    first = Division.objects.filter(pk__in=allowed).order_by("code").first()
    if first is None:
        raise PermissionDenied
    return Scope(division=first)


def scope_choices(user) -> tuple[list[Division], list[Team]]:
    """The divisions and teams ``user`` may choose (for the form's lists)."""
    allowed = report_divisions(user)
    divisions = Division.objects.order_by("code")
    teams = Team.objects.select_related("division").order_by("division__code", "code")
    if allowed is not None:
        divisions = divisions.filter(pk__in=allowed)
        teams = teams.filter(division_id__in=allowed)
    return list(divisions), list(teams)
