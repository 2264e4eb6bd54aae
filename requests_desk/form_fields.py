"""Form fields made from model fields: a limit, a choice list or a validator is written once,
on the model, and every form of that write (the desk's, the homepage's, and the API's through
them) reads it from there."""

from django import forms
from django.core.validators import MaxValueValidator


def model_field(model, name: str, **shown) -> forms.Field:
    """The form field ``model`` defines for its field ``name``: length, choices, number limits
    and whether it is required come from the model, with the model field's own validators as
    well (``formfield()`` leaves those to the model's ``full_clean()``, which a form spanning
    several models does not run). ``shown`` says how it is shown (label, widget, initial …)
    and may make it optional. A required choice offers no empty choice; an optional one offers
    ``empty_label``."""
    field = model._meta.get_field(name)
    if field.choices and "choices" not in shown:
        empty = shown.pop("empty_label", "---------")
        optional = not shown.get("required", not field.blank)
        shown["choices"] = field.get_choices(include_blank=optional, blank_choice=[("", empty)])
    maxima = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    if maxima:
        shown.setdefault("max_value", min(maxima))
    form_field = field.formfield(**shown)
    form_field.validators += [v for v in field.validators if v not in form_field.validators]
    return form_field
