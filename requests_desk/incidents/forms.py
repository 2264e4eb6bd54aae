"""Linking a request to an incident: by its tracking code or its number."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from requests_desk.models import Request


class LinkForm(forms.Form):
    prefix = "link"
    request = forms.CharField(label=_("Request (tracking code or number)"), max_length=16)

    def __init__(self, *args, requests=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests = requests if requests is not None else Request.objects.none()

    def clean_request(self) -> Request:
        value = self.cleaned_data["request"].strip()
        match = Q(tracking_code=value.upper())
        if value.isdigit():
            match |= Q(pk=int(value))
        found = self.requests.filter(match).first()
        if found is None:
            raise forms.ValidationError(_("No request of yours has this code or number."))
        return found
