"""Form fields made from model fields: a limit, a choice list or a validator is written once,
on the model, and every form of that write reads it from there."""

from django import forms


def model_field(model, name: str, **overrides) -> forms.Field:
    """The form field ``model.<name>`` makes (its limit, blank-ness and choices), with the model
    field's own validators as well: ``formfield()`` leaves those to the model's ``full_clean()``,
    which a form spanning several models does not run."""
    field = model._meta.get_field(name)
    form_field = field.formfield(**overrides)
    form_field.validators += [v for v in field.validators if v not in form_field.validators]
    return form_field
