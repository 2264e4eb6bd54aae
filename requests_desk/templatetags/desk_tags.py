"""Small display helpers for the desk's templates."""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from requests_desk.vocabulary import Status

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    """A status code in words ("waiting" → "Waiting on customer"), translated."""
    try:
        return Status(code).label
    except ValueError:
        return code


@register.filter
def person(user) -> str:
    """A user's full name, or their username when they have none."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


#: Rendered fields of empty forms, by what they show (:func:`_form_fingerprint`).
_RENDERED_FIELDS: dict[str, str] = {}


@register.filter
def visible_fields_html(form) -> str:
    """The form's visible fields as ``as_crispy_field`` renders them. An empty (unbound) form
    renders the same for the same fields, initial values, choices and language, so its HTML is
    kept per process and reused: the request page's seven action forms cost the page ~25
    crispy field renders (the larger part of its Python time) on every view otherwise. A form
    with input or errors is rendered every time."""
    if form.is_bound:
        return mark_safe("".join(str(as_crispy_field(field)) for field in form.visible_fields()))
    key = _form_fingerprint(form)
    html = _RENDERED_FIELDS.get(key)
    if html is None:
        html = "".join(str(as_crispy_field(field)) for field in form.visible_fields())
        if len(_RENDERED_FIELDS) >= 512:
            _RENDERED_FIELDS.clear()
        _RENDERED_FIELDS[key] = html
    return mark_safe(html)


def _form_fingerprint(form) -> str:
    """Everything an unbound form's fields render from."""
    parts = [type(form).__module__, type(form).__qualname__, str(form.prefix), form.auto_id]
    parts.append(get_language() or "")
    for field in form.visible_fields():
        widget = field.field.widget
        parts += [
            field.name,
            str(field.label),
            str(field.help_text),
            repr(sorted((k, str(v)) for k, v in widget.attrs.items())),
            repr(field.value()),
            str(field.field.required),
            str(field.field.disabled),
        ]
        if hasattr(field.field, "choices"):
            parts.append(repr([(str(value), str(label)) for value, label in field.field.choices]))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
