"""Where an e-mail goes, by the rules admins edit (:class:`~requests_desk.models.MailRoute`)."""

import logging
from dataclasses import dataclass

from django.conf import settings

from commitments.models import Division, Team
from requests_desk.models import MailRoute, Organisation

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    division: Division
    team: Team | None
    organisation: Organisation | None
    kind: str


@dataclass(frozen=True)
class MailRoutes:
    """The active rules (by position) and the default place, read once for a batch of
    messages (:func:`mail_routes`) instead of once per message."""

    rules: tuple[MailRoute, ...]
    default_place: tuple[Division, Team | None]

    def organisation_domains(self, organisation: Organisation) -> set[str]:
        return {
            rule.sender_domain
            for rule in self.rules
            if rule.organisation_id == organisation.pk and rule.sender_domain
        }


def mail_routes(*, division: str = "", team: str = "") -> MailRoutes:
    """The routing rules as they stand now, and the place of what no rule places: the
    mailbox's ``division`` and ``team`` (codes), else the public ones."""
    rules = MailRoute.objects.filter(active=True).select_related(
        "organisation", "division", "team", "team__division"
    )
    return MailRoutes(rules=tuple(rules), default_place=_default_place(division, team))


def mail_route(
    *, sender: str, recipients: list[str], subject: str, routes: MailRoutes | None = None
) -> Placement:
    """Each outcome from the first active rule (by position) that matches and gives it; what no
    rule gives, from the mailbox (its division and team) or the settings
    (``CHARTER_MAIL_DEFAULT_KIND``, ``CHARTER_PUBLIC_DIVISION`` and ``CHARTER_PUBLIC_TEAM``).
    ``routes``: the rules read earlier for the batch (else read now)."""
    if routes is None:
        routes = mail_routes()
    domain = sender.rpartition("@")[2].lower()
    to = {address.lower() for address in recipients}
    folded = subject.casefold()
    found: dict = {}
    for rule in routes.rules:
        if (
            (rule.recipient and rule.recipient not in to)
            or (rule.sender_domain and rule.sender_domain != domain)
            or (rule.subject_keyword and rule.subject_keyword.casefold() not in folded)
        ):
            continue
        if rule.organisation_id:
            found.setdefault("organisation", rule.organisation)
        if rule.team_id or rule.division_id:
            found.setdefault("place", (rule.division or rule.team.division, rule.team))
        if rule.kind:
            found.setdefault("kind", rule.kind)
    division, team = found.get("place") or routes.default_place
    return Placement(
        division=division,
        team=team,
        organisation=found.get("organisation"),
        kind=found.get("kind", settings.CHARTER_MAIL_DEFAULT_KIND),
    )


def organisation_domains(organisation: Organisation, routes: MailRoutes | None = None) -> set[str]:
    """The sender domains the rules give to ``organisation``."""
    if routes is not None:
        return routes.organisation_domains(organisation)
    return set(
        MailRoute.objects.filter(organisation=organisation, active=True)
        .exclude(sender_domain="")
        .values_list("sender_domain", flat=True)
    )


def _default_place(division_code: str = "", team_code: str = "") -> tuple[Division, Team | None]:
    division = Division.objects.filter(
        code=division_code or settings.CHARTER_PUBLIC_DIVISION
    ).first()
    if division is None:  # a misconfigured code must not lose a customer's mail
        logger.warning("no division %r: the mail goes to the public one", division_code)
        division = (
            Division.objects.filter(code=settings.CHARTER_PUBLIC_DIVISION).first()
            or Division.objects.order_by("code").first()
        )
    return division, division.teams.filter(code=team_code or settings.CHARTER_PUBLIC_TEAM).first()
