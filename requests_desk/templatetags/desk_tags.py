"""Small display helpers for the desk's templates."""

import hashlib
from html import escape as html_escape

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

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
    return _rendered_once(field, "crispy", lambda: str(as_crispy_field(field)))


@register.filter
def hidden_fields_html(form) -> str:
    """The form's hidden fields (the version it was shown at), each kept per process like
    :func:`crispy_field_once`: five of them cost the request page a widget template each."""
    return mark_safe(
        "".join(
            _rendered_once(field, "widget", lambda f=field: str(f))
            for field in form.hidden_fields()
        )
    )


def _rendered_once(field, how: str, render) -> str:
    value = field.value()
    if isinstance(value, str) and len(value) > _LONGEST_KEPT_VALUE:
        return render()
    key = _field_fingerprint(field, value, how)
    html = _RENDERED_FIELDS.get(key)
    if html is None:
        html = render()
        if len(_RENDERED_FIELDS) >= 1024:
            _RENDERED_FIELDS.clear()
        _RENDERED_FIELDS[key] = html
    return mark_safe(html)


def _field_fingerprint(field, value, how: str) -> str:
    """Everything a bound field renders from, and how it is rendered."""
    form, widget = field.form, field.field.widget
    parts = [
        how,
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


@register.simple_tag
def request_rows(rows, selectable: str = "") -> str:
    """The ``<tr>`` of each ``(request, clocks)`` of a desk list (``clocks``: the request's
    :class:`requests_desk.desk.views.common.RequestClocks`, or None), ticked by the form
    ``selectable`` when given. Written here, not by a template loop: the engine resolved and
    escaped ~30 values in each of 50 rows, the larger part of a list's Python time.

    The words every row shares (the labels of the clock states, kinds and statuses, "due")
    are translated once a page, not once a row, and the values are escaped by
    :func:`_escape` (``format_html``'s escaping checked each of a row's ~27 values for lazy
    text on every call): the same HTML, about half the time a row."""
    if not rows:
        return ""
    # One reverse for the page: the request's id is the path's last segment.
    detail = reverse("desk:request-detail", args=[0])[: -len("0/")]
    words = _RowWords()
    return mark_safe(
        "".join(_request_row(case, clocks, selectable, detail, words) for case, clocks in rows)
    )


def _escape(value) -> str:
    """``conditional_escape``'s text: safe HTML as it is, anything else as ``escape`` makes it."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


def _html(template: str, *values) -> str:
    """``format_html(template, *values)``: the same safe HTML."""
    return mark_safe(template.format(*map(_escape, values)))


class _RowWords:
    """What the rows of one page say alike, translated once (the active language is the
    page's): the labels by code, "due", the tick's label and the empty clock's badge."""

    def __init__(self) -> None:
        self.due = _("due")
        self.select = _("Select %(code)s")
        self.no_clock = _html(
            '<span class="badge clock-badge clock-badge-none">{}</span>', _("No running clock")
        )
        self.clock_labels: dict[str, str] = {}
        self.kind_labels: dict[str, str] = {}
        self.status_labels: dict[str, str] = {}

    def clock_label(self, row) -> str:
        if (label := self.clock_labels.get(row.status)) is None:
            label = self.clock_labels[row.status] = row.label
        return label

    def kind(self, code: str) -> str:
        if (label := self.kind_labels.get(code)) is None:
            label = self.kind_labels[code] = str(kind_label(code))
        return label

    def status(self, code: str) -> str:
        if (label := self.status_labels.get(code)) is None:
            label = self.status_labels[code] = str(status_label(code))
        return label


def _request_row(case, clocks, selectable: str, detail: str, words: _RowWords) -> str:
    state = clocks.status if clocks else "none"
    url = f"{detail}{case.pk}/"
    tick = ""
    if selectable:
        tick = _html(
            '<td><input class="form-check-input" type="checkbox" form="{0}" name="{0}-rows" '
            'value="{1}:{2}" id="select-{1}" aria-label="{3}"></td>',
            selectable,
            case.pk,
            case.version,
            words.select % {"code": case.tracking_code},
        )
    nearest = clocks.nearest if clocks else None
    if nearest is not None:
        deadline = nearest.deadline
        more = ""
        if clocks.count > 1:
            more = " · " + ngettext("%(n)s clock", "%(n)s clocks", clocks.count) % {
                "n": clocks.count
            }
        clock = _html(
            '<span class="badge clock-badge clock-badge-{}">{}</span>'
            '<div class="small time-left">{}</div>'
            '<div class="small text-body-secondary"><span class="promise-code">{}</span> {}</div>'
            '<div class="small text-body-secondary">{} <time datetime="{}">{}</time>{}</div>',
            clocks.status,
            words.clock_label(nearest),
            nearest.time_left,
            deadline.commitment_code,
            deadline.commitment.title,
            words.due,
            nearest.due_iso,
            nearest.due_words,
            more,
        )
    else:
        clock = words.no_clock
    if case.assignee_id:
        handler = _html("{}", person(case.assignee))
    elif case.team_id:
        handler = _html('<span class="text-body-secondary">{}</span>', case.team.name)
    else:
        handler = "—"
    organisation = case.customer.organisation
    return _html(
        '<tr class="clock-row clock-{0}" data-request="{1}" data-clock="{0}">{2}'
        '<td class="clock-cell">{3}</td>'
        '<td><a class="tracking-code" href="{4}">{5}</a></td>'
        '<td><a href="{4}">{6}</a><div class="small text-body-secondary">{7} · {8}</div></td>'
        '<td>{9}<div class="small text-body-secondary">{10}</div></td>'
        "<td>{11}</td><td>{12}</td></tr>\n",
        state,
        case.pk,
        tick,
        clock,
        url,
        case.tracking_code,
        case.subject,
        words.kind(case.kind),
        case.division.name,
        case.customer.name,
        organisation.name if organisation else "",
        words.status(case.status),
        handler,
    )
