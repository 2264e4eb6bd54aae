"""Forms of the customer's voice: a manager's decision on an unkind-service report, the
acknowledgement of a commendation, a phone-monitoring score, and the public survey."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Team
from requests_desk.desk.forms import (
    NamedChoiceField,
    desk_users,
    divisions_by_code,
    past_instant_field,
    user_label,
)
from requests_desk.form_fields import model_field
from requests_desk.models import PhoneCall
from requests_desk.models.voice import SurveyResponse, UnkindServiceReport

SCORE_CHOICES = [
    (5, _("5 — very satisfied")),
    (4, _("4 — satisfied")),
    (3, _("3 — neither satisfied nor dissatisfied")),
    (2, _("2 — dissatisfied")),
    (1, _("1 — very dissatisfied")),
]


class ScoreRadios(forms.RadioSelect):
    """Radios whose field label points at the first choice, so an error summary's link lands
    on a control the keyboard can use."""

    def id_for_label(self, id_, index="0"):
        return f"{id_}_{index or 0}" if id_ else ""


def score_field() -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Score"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=ScoreRadios,
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )


def comment_field(label) -> forms.CharField:
    return model_field(
        SurveyResponse, "comment", label=label, widget=forms.Textarea(attrs={"rows": 4})
    )


class DecisionForm(forms.Form):
    """The two buttons of the form say confirm or reject; the note goes with either."""

    CONFIRM = "confirm"
    REJECT = "reject"

    decision = forms.ChoiceField(
        choices=[(CONFIRM, _("Confirm")), (REJECT, _("Reject"))],
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose to confirm or to reject the report.")},
    )
    note = model_field(
        UnkindServiceReport,
        "decision_note",
        label=_("Decision note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required to reject. Kept on the case for staff; the reporter receives a polite"
            " standard message."
        ),
    )


class AcknowledgeForm(forms.Form):
    """The employee is chosen among the desk users of the manager's divisions; the service
    checks they work in the commendation's division."""

    employee = forms.TypedChoiceField(
        label=_("Employee"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("Link the commendation to the employee's profile if they were not matched."),
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["employee"].choices = [("", _("— as matched —")), *people]


def people_choices(divisions) -> list[tuple[int, str]]:
    """Desk users of ``divisions`` (``None``: all) as choices, read once for a whole page."""
    return [(user.pk, user_label(user)) for user in desk_users(divisions)]


class PhoneScoreForm(forms.ModelForm):
    """A score heard while monitoring phone service: the score's own rules
    (``SurveyResponse.clean``: its team and call are its division's) are checked with the
    fields."""

    division = NamedChoiceField(label=_("Division"), queryset=divisions_by_code())
    team = NamedChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    call = forms.ModelChoiceField(
        label=_("Call number"),
        queryset=PhoneCall.objects.all(),
        required=False,
        widget=forms.NumberInput(attrs={"min": 1}),
        help_text=_("Optional: the number of the logged call that was monitored."),
        error_messages={"invalid_choice": _("Unknown call.")},
    )
    score = score_field()
    comment = comment_field(_("Comment"))
    at = past_instant_field(_("Monitored at"), _("Leave empty for now. Asia/Seoul time."))

    class Meta:
        model = SurveyResponse
        fields = ["division", "team", "call", "score", "comment", "at"]

    def __init__(self, *args, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["division"].queryset = divisions_by_code(divisions)
        teams = Team.objects.order_by("code")
        if divisions is not None:
            teams = teams.filter(division__in=divisions)
        self.fields["team"].queryset = teams

    def clean_at(self):
        # Left empty: now.
        return self.cleaned_data.get("at") or timezone.now()


class SurveyAnswerForm(forms.ModelForm):
    score = score_field()
    comment = comment_field(_("Anything you would like to tell us (optional)"))

    class Meta:
        model = SurveyResponse
        fields = ["score", "comment"]
