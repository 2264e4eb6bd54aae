"""The input of every incident write, for the desk's pages and the API alike: limits and rules
are the model's (``Incident``); divisions and services are named by code on both."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.models import Division, Service
from notifications.incidents.models import Incident, IncidentMessage, IncidentPhase
from notifications.notices.forms import CheckboxList, DateTimeLocalInput, ServiceChoiceField


class IncidentForm(forms.ModelForm):
    """A new incident; ``services`` and ``divisions`` are those the user may choose."""

    division = forms.ModelChoiceField(
        label=_("Division"), queryset=Division.objects.none(), to_field_name="code"
    )
    services = ServiceChoiceField(
        label=_("Affected services"),
        queryset=Service.objects.none(),
        widget=CheckboxList,
        to_field_name="code",
    )

    class Meta:
        model = Incident
        fields = ["kind", "division", "services", "title", "description", "detected_at"]
        labels = {"detected_at": _("Detected at (KST)")}
        help_texts = {
            "detected_at": _("The trouble clocks count from it; it cannot be in the future."),
        }
        widgets = {
            "detected_at": DateTimeLocalInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, services=None, divisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = (
            services if services is not None else Service.objects.none()
        )
        self.fields["division"].queryset = (
            divisions if divisions is not None else Division.objects.none()
        )
        self.fields["services"].error_messages["invalid_choice"] = _(
            "Unknown service, or not one of your divisions: %(value)s"
        )
        self.fields["division"].error_messages["invalid_choice"] = _(
            "Unknown division, or not one of yours."
        )


class TellForm(forms.Form):
    """What the affected customers are told: the trouble (and plan), or the result."""

    prefix = "tell"
    phase = forms.ChoiceField(label=_("What"), choices=IncidentPhase.choices)
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("sms", _("SMS")), ("email", _("E-mail")), ("phone", _("Phone call"))],
        initial="sms",
        help_text=_(
            "SMS and e-mail go to every affected customer the channel can reach; a phone call "
            "is yours to make: say whom you called."
        ),
    )
    text = IncidentMessage._meta.get_field("text").formfield(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3})
    )
