"""Small display helpers for the desk's templates."""

import hashlib

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from requests_desk.vocabulary import RequestKind, Status

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    """A status code in words ("waiting" → "Waiting on customer"), translated."""
    try:
        return Status(code).label
    except ValueError:
        return code


@register.filter
def kind_label(code: str) -> str:
    """A request kind's code in words, translated (``get_kind_display`` hashed every choice's
    lazy label on each call: a hundred times a list)."""
    try:
        return RequestKind(code).label
    except ValueError:
        return code


@register.filter
def person(user) -> str:
    """A user's full name, or their username when they have none."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


#: Rendered fields, by what they show (:func:`_field_fingerprint`).
_RENDERED_FIELDS: dict[str, str] = {}
#: Fields whose value is longer than this (a note being typed) are rendered every time.
_LONGEST_KEPT_VALUE = 200


@register.filter
def visible_fields_html(form) -> str:
    """The form's visible fields as ``as_crispy_field`` renders them, each through
    :func:`crispy_field_once`: the request page's seven action forms cost the page ~25 crispy
    field renders (the larger part of its Python time) on every view otherwise."""
    return mark_safe("".join(crispy_field_once(field) for field in form.visible_fields()))


@register.filter
def crispy_field_once(field) -> str:
    """``as_crispy_field``, kept per process: a field renders the same HTML for the same form,
    name, label, widget attributes, value, errors, choices and language, so that HTML is
    reused (the request list's twelve filter and bulk-action fields, with their people and
    teams as options, were a third of the list's Python time). A field with a long value is
    rendered every time."""
    value = field.value()
    if isinstance(value, str) and len(value) > _LONGEST_KEPT_VALUE:
        return str(as_crispy_field(field))
    key = _field_fingerprint(field, value)
    html = _RENDERED_FIELDS.get(key)
    if html is None:
        html = str(as_crispy_field(field))
        if len(_RENDERED_FIELDS) >= 1024:
            _RENDERED_FIELDS.clear()
        _RENDERED_FIELDS[key] = html
    return mark_safe(html)


def _field_fingerprint(field, value) -> str:
    """Everything a bound field renders from."""
    form, widget = field.form, field.field.widget
    parts = [
        type(form).__module__,
        type(form).__qualname__,
        str(form.prefix),
        str(form.auto_id),
        str(form.is_bound),
        get_language() or "",
        field.name,
        type(widget).__qualname__,
        str(field.label),
        str(field.help_text),
        repr(sorted((k, str(v)) for k, v in widget.attrs.items())),
        repr(value),
        repr([str(error) for error in field.errors]),
        str(field.field.required),
        str(field.field.disabled),
    ]
    if hasattr(widget, "choices"):
        # Read the widget's options once (what is offered, which a form may narrow below what
        # its field accepts): the fingerprint and a render share them, so the page runs the
        # same queries whether its HTML was kept or not.
        choices = list(iter(widget.choices))  # iter(): no COUNT query for its length
        widget.choices = choices
        parts.append(repr([(str(value), str(label)) for value, label in choices]))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
