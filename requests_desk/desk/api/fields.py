"""Serializer and filter fields for the codes and instants the API speaks."""

from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import filters
from rest_framework import serializers

from commitments.business_time import SUPPORTED_YEARS

NAIVE_MESSAGE = _("The instant needs a time zone offset, e.g. 2026-09-23T15:00:00+09:00.")
YEARS_MESSAGE = _("The year must be between %(first)s and %(last)s.") % {
    "first": SUPPORTED_YEARS.start,
    "last": SUPPORTED_YEARS.stop - 1,
}


def _parse(value) -> datetime | None:
    if isinstance(value, datetime):
        return value
    try:
        return parse_datetime(str(value).strip())
    except ValueError:
        return None


class InstantField(serializers.DateTimeField):
    """An ISO 8601 instant with an offset (SPEC §3). A naive instant is refused rather than read
    in some default zone, and so is one outside the years the business calendars know."""

    default_error_messages = {"naive": NAIVE_MESSAGE, "years": YEARS_MESSAGE}

    def to_internal_value(self, value):
        parsed = _parse(value)
        if parsed is not None:
            if timezone.is_naive(parsed):
                self.fail("naive")
            if parsed.year not in SUPPORTED_YEARS:
                self.fail("years")
        return super().to_internal_value(value)


class OptionalEmailField(serializers.EmailField):
    """An e-mail address that may be missing: shown as null, never as "" (which the e-mail
    format of the schema does not allow)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class InstantFormField(forms.DateTimeField):
    """The same rule for query parameters. A ``+`` of an offset sent unencoded arrives as a
    space; it is read as the ``+`` it stood for."""

    default_error_messages = {
        "invalid": _("Not an ISO 8601 instant, e.g. 2026-09-23T15:00:00+09:00."),
        "naive": NAIVE_MESSAGE,
        "years": YEARS_MESSAGE,
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if "T" in text:
            text = text.replace(" ", "+")
        parsed = _parse(text)
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        if parsed.year not in SUPPORTED_YEARS:
            raise forms.ValidationError(self.error_messages["years"], code="years")
        return parsed


class InstantFilter(filters.Filter):
    field_class = InstantFormField
