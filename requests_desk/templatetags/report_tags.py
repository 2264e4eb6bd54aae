"""Filters for the report pages: percentages and time-to-stop percentiles, a dash for none."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def pct(value) -> str:
    """``87.5`` → "87.5 %"; None (nothing decided) → "—"."""
    return "—" if value is None else f"{value:.1f} %"


@register.filter
def pctl(value) -> str:
    """A :class:`~requests_desk.reports.compliance.Percentile` of the target span."""
    if value is None:
        return "—"
    if value.above:
        return _("over %(value)s %%") % {"value": f"{value.value:.0f}"}
    return f"{value.value:.0f} %"


@register.filter
def seoul(value) -> str:
    from requests_desk.reports.lists import seoul as in_seoul

    return in_seoul(value)


@register.filter
def may_use_reports(user) -> bool:
    """Whether the menu offers the SLA dashboard (managers and admins)."""
    from requests_desk.reports.scopes import may_use_reports as allowed

    return allowed(user)
