"""Bulk actions: one change (reassign, move team, change status) on many requests at once.

Each row is the single-request service on its own, in its own transaction, checked as it would
be alone: the request must be one the actor may see, the ``version`` the actor saw must still be
the request's, and the change must be allowed (a status the flow permits, a person of the
division …). A refused row is reported with its reason and never blocks the others; a row is
applied whole or not at all."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from requests_desk.cases._common import lock
from requests_desk.cases.errors import DeskError, StaleEdit
from requests_desk.cases.requests import request_set_status, request_update
from requests_desk.cases.selectors import requests_visible

# The most rows one action takes (a page of the list is 50; the API may send more).
MOST_ROWS = 500


class BulkAction(models.TextChoices):
    REASSIGN = "reassign", gettext_lazy("Reassign")
    MOVE_TEAM = "move_team", gettext_lazy("Move to team")
    SET_STATUS = "set_status", gettext_lazy("Change status")


@dataclass
class RowOutcome:
    """What became of one row: applied, or refused with the reasons (``{field: [message]}``)."""

    request_id: int
    tracking_code: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def applied(self) -> bool:
        return not self.errors

    @property
    def reasons(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


def requests_bulk_apply(
    *,
    actor,
    rows: Sequence[tuple[int, int]],
    action: str,
    assignee=None,
    team=None,
    status: str = "",
    note: str = "",
) -> list[RowOutcome]:
    """Apply ``action`` to each ``(request id, version)`` of ``rows``; one outcome a row, in
    the order given (a row named twice counts once)."""
    if len(rows) > MOST_ROWS:
        raise DeskError({"rows": [_("Choose at most %(n)d requests.") % {"n": MOST_ROWS}]})
    wanted = list(dict(rows).items())
    visible = requests_visible(actor).in_bulk([pk for pk, _version in wanted])
    outcomes = []
    for pk, version in wanted:
        request = visible.get(pk)
        if request is None:
            refused = {"__all__": [_("No request of yours has this number.")]}
            outcomes.append(RowOutcome(pk, errors=refused))
            continue
        outcome = RowOutcome(pk, request.tracking_code)
        try:
            _apply_row(
                request,
                actor=actor,
                version=version,
                action=action,
                assignee=assignee,
                team=team,
                status=status,
                note=note,
            )
        except DeskError as error:
            outcome.errors = error.errors
        outcomes.append(outcome)
    return outcomes


def _apply_row(request, *, actor, version: int, action: str, assignee, team, status, note):
    if action == BulkAction.REASSIGN:
        request_update(request, actor=actor, version=version, reason=note, assignee=assignee)
    elif action == BulkAction.MOVE_TEAM:
        request_update(request, actor=actor, version=version, reason=note, team=team)
    elif action == BulkAction.SET_STATUS:
        with transaction.atomic():
            # The version is checked under the same lock the status change takes.
            locked = lock(request)
            if int(version) != locked.version:
                raise StaleEdit(
                    _("Someone changed this request since you opened it; reload and try again.")
                )
            request_set_status(locked, actor=actor, status=status, note=note)
    else:
        raise DeskError({"action": [_("Choose an action.")]})
