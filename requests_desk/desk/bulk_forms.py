"""The request list's bulk action: which rows (each with the version the list showed), what to
do, and to whom. The same form reads the API's ``requests/bulk/``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.access import divisions_of
from commitments.models import Team
from requests_desk.cases.bulk import MOST_ROWS, BulkAction
from requests_desk.desk.forms import (
    TeamChoiceField,
    UserChoiceField,
    desk_catalogue,
    desk_users,
    divisions_by_code,
    offer_rows,
)
from requests_desk.form_fields import model_field
from requests_desk.models import Activity
from requests_desk.vocabulary import Status


class RowsField(forms.MultipleChoiceField):
    """Rows as ``id:version`` — the request and the version the list showed of it."""

    def valid_value(self, value) -> bool:
        return True

    def clean(self, value):
        value = super().clean(value)
        rows = []
        for token in value:
            pk, _sep, version = str(token).partition(":")
            if not (pk.isdigit() and version.isdigit()):
                raise forms.ValidationError(
                    _("“%(row)s” is not a request and its version."), params={"row": token}
                )
            rows.append((int(pk), int(version)))
        if len(rows) > MOST_ROWS:
            raise forms.ValidationError(
                _("Choose at most %(n)d requests."), params={"n": MOST_ROWS}
            )
        return rows


class BulkForm(forms.Form):
    prefix = "bulk"
    rows = RowsField(
        label=_("Requests"),
        error_messages={"required": _("Tick the requests to change.")},
    )
    action = forms.ChoiceField(label=_("Action"), choices=BulkAction.choices)
    assignee = UserChoiceField(
        label=_("Assign to"), queryset=desk_users(), required=False, empty_label="—"
    )
    team = TeamChoiceField(
        label=_("Team"), queryset=Team.objects.none(), required=False, empty_label="—"
    )
    status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *Status.choices], required=False
    )
    note = model_field(Activity, "text", label=_("Note"), widget=forms.TextInput)

    # What each action needs besides the rows.
    NEEDS = {
        BulkAction.REASSIGN: "assignee",
        BulkAction.MOVE_TEAM: "team",
        BulkAction.SET_STATUS: "status",
    }

    def __init__(self, *args, user, teams_by: str = "pk", people=None, **kwargs):
        """``people``: ``desk_users(divisions_of(user))``, when already read (the list shows the
        form with people and teams offered from what it read, and no query of its own)."""
        super().__init__(*args, **kwargs)
        team = self.fields["team"]
        team.to_field_name = teams_by
        divisions = divisions_of(user)
        # What is sent is checked by these querysets; what is offered, read once.
        self.fields["assignee"].queryset = desk_users(divisions)
        team.queryset = (
            Team.objects.filter(division__in=divisions_by_code(divisions))
            .select_related("division")
            .order_by("division__code", "code")
        )
        if people is not None:
            offer_rows(self.fields["assignee"], people)
            offer_rows(
                team,
                [
                    t
                    for t in desk_catalogue().teams
                    if divisions is None or t.division_id in divisions
                ],
            )

    def clean(self):
        data = super().clean()
        needed = self.NEEDS.get(data.get("action"))
        if needed and not data.get(needed):
            self.add_error(needed, _("Choose one for this action."))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "rows": data["rows"],
            "action": data["action"],
            "assignee": data.get("assignee"),
            "team": data.get("team"),
            "status": data.get("status") or "",
            "note": data.get("note") or "",
        }
