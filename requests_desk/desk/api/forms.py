"""Serializers that speak for a Django form.

A write has one definition of its input: the form the HTML page uses (its fields built from the
model's, its rules the model's ``clean()``). The API reads the same input through
:class:`FormSerializer`: its JSON fields are generated from the form's fields (so the schema
states the same required fields, limits and choices), and the form then checks what they
read. The API only adds what JSON needs: instants with an offset, lists, files."""

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from requests_desk.desk.api.errors import field_errors
from requests_desk.desk.api.fields import InstantField


def _choices(field: forms.ChoiceField) -> list:
    """The non-empty choices, option groups flattened."""
    flat = []
    for value, label in field.choices:
        flat.extend(label if isinstance(label, list | tuple) else [(value, label)])
    return [(value, label) for value, label in flat if value not in ("", None)]


def _nullable(field: forms.Field) -> dict:
    return {} if field.required else {"allow_null": True}


def _boolean(field: forms.BooleanField, **common) -> serializers.Field:
    return serializers.BooleanField(**common)


def _instant(field: forms.DateTimeField, **common) -> serializers.Field:
    return InstantField(**common, **_nullable(field))


def _file(field: forms.FileField, **common) -> serializers.Field:
    return serializers.FileField(**common, **_nullable(field))


def _rows(field: forms.ModelMultipleChoiceField, **common) -> serializers.Field:
    return serializers.ListField(
        child=serializers.CharField(), allow_empty=not field.required, **common
    )


def _row(field: forms.ModelChoiceField, **common) -> serializers.Field:
    return serializers.CharField(allow_blank=not field.required, **common, **_nullable(field))


def _many(field: forms.MultipleChoiceField, **common) -> serializers.Field:
    choices = _choices(field)
    child = serializers.ChoiceField(choices=choices) if choices else serializers.CharField()
    return serializers.ListField(child=child, allow_empty=not field.required, **common)


def _choice(field: forms.ChoiceField, **common) -> serializers.Field:
    choices = _choices(field)
    if not choices:  # filled in when the form is made, from the database: a code
        return _row(field, **common)
    return serializers.ChoiceField(
        choices=choices, allow_blank=not field.required, **common, **_nullable(field)
    )


def _integer(field: forms.IntegerField, **common) -> serializers.Field:
    return serializers.IntegerField(
        min_value=field.min_value, max_value=field.max_value, **common, **_nullable(field)
    )


def _text(field: forms.Field, **common) -> serializers.Field:
    kind = serializers.EmailField if isinstance(field, forms.EmailField) else serializers.CharField
    # Text left out is blank, never null.
    return kind(
        max_length=getattr(field, "max_length", None), allow_blank=not field.required, **common
    )


#: The JSON field each kind of form field reads through; the first class that matches wins,
#: so subclasses come before their bases. Rows of the database (services, teams …) are named
#: by their code or number.
READERS = (
    (forms.BooleanField, _boolean),
    (forms.DateTimeField, _instant),
    (forms.FileField, _file),
    (forms.ModelMultipleChoiceField, _rows),
    (forms.ModelChoiceField, _row),
    (forms.MultipleChoiceField, _many),
    (forms.ChoiceField, _choice),
    (forms.IntegerField, _integer),
)


def api_field(field: forms.Field, *, help_text: str = "") -> serializers.Field:
    """The JSON field that reads what ``field`` reads: as required, as long, the same choices."""
    reader = next((read for kind, read in READERS if isinstance(field, kind)), _text)
    return reader(field, required=field.required, help_text=help_text or None)


class FormSerializer(serializers.Serializer):
    """Reads a write's input through ``form_class``: the JSON fields the form's fields make,
    then the form itself, whose ``cleaned_data`` is the validated data. The bound form is kept
    as ``self.form``, for a view to ask what the service takes (``ComplaintForm.submission()``).

    ``help_texts`` documents fields for API clients; ``form_kwargs()`` gives the form what it
    needs from the request (e.g. the rows the caller may choose)."""

    form_class: type[forms.BaseForm]
    help_texts: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form = None

    def form_kwargs(self) -> dict:
        return {}

    def get_fields(self) -> dict:
        return {
            name: api_field(field, help_text=self.help_texts.get(name, ""))
            for name, field in self.form_class.base_fields.items()
        }

    def validate(self, attrs: dict) -> dict:
        files = {name: value for name, value in attrs.items() if _is_file(self.fields[name])}
        data = {name: value for name, value in attrs.items() if name not in files}
        # JSON names the fields plainly: no prefix, whatever the page's form uses.
        self.form = self.form_class(data=data, files=files, prefix="", **self.form_kwargs())
        if not self.form.is_valid():
            raise serializers.ValidationError(
                field_errors(DjangoValidationError(self.form.errors.as_data()))
            )
        return self.form.cleaned_data


def _is_file(field: serializers.Field) -> bool:
    return isinstance(field, serializers.FileField)
