from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Commitment, Division


class SimulatorForm(forms.Form):
    """Instants typed here are Asia/Seoul wall-clock times (the portal's time zone)."""

    commitment = forms.ModelChoiceField(
        label=_("Commitment"),
        queryset=Commitment.objects.exclude(target_kind__in=["rule", "per_call"]).order_by("code"),
        to_field_name="code",
    )
    start = forms.DateTimeField(
        label=_("Start"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Asia/Seoul time."),
    )
    target = forms.DateTimeField(
        label=_("Target"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_(
            "Lead-time clocks: the suspension start, expected completion or expiry. "
            "Requested-date clocks: the requested date."
        ),
    )
    division = forms.ModelChoiceField(
        label=_("Division"),
        queryset=Division.objects.order_by("code"),
        required=False,
        to_field_name="code",
        empty_label=_("— the commitment's own —"),
    )

    def clean(self):
        cleaned = super().clean()
        commitment, target = cleaned.get("commitment"), cleaned.get("target")
        if commitment and commitment.needs_target and target is None:
            self.add_error("target", _("This commitment's clock counts back from a target."))
        for name in ("start", "target"):
            if cleaned.get(name) and timezone.is_naive(cleaned[name]):
                cleaned[name] = timezone.make_aware(cleaned[name])
        return cleaned
