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


#: Minutes in the span a clock of each kind is given, from its commitment (None: no fixed span,
#: e.g. "by closing time" or "before the target").
def _span_minutes(commitment) -> tuple[float, bool] | None:
    """(minutes, working) of the commitment's target; ``working``: counted in working time."""
    from commitments.models.catalogue import TargetKind

    kind = commitment.target_kind
    if kind == TargetKind.ELAPSED and commitment.target_minutes:
        return float(commitment.target_minutes), False
    if kind == TargetKind.BUSINESS_HOURS and commitment.target_minutes:
        return float(commitment.target_minutes), True
    if kind in (TargetKind.CALENDAR_DAYS, TargetKind.EVERY):
        days = (commitment.target_days or 0) + 30 * (commitment.target_months or 0)
        return (days * 24 * 60.0, False) if days else None
    return None


def duration_words(minutes: float, *, working: bool) -> str:
    """42 → "42분"; 150 → "2.5시간"; 4320 → "3일" (working time says so)."""
    if minutes < 60:
        words = _("%(n)s min") % {"n": f"{minutes:.0f}"}
    elif minutes < 48 * 60:
        words = _("%(n)s h") % {"n": f"{minutes / 60:.1f}".removesuffix(".0")}
    else:
        words = _("%(n)s days") % {"n": f"{minutes / 1440:.1f}".removesuffix(".0")}
    return _("%(time)s of working time") % {"time": words} if working else words


@register.filter
def time_to_stop(value, commitment) -> str:
    """A time-to-stop percentile as time (hours or days), the share of the target beside it:
    "2.5 h (31 % of the target)"; only the share when the target has no fixed span."""
    if value is None:
        return "—"
    share = pctl(value)
    span = _span_minutes(commitment) if commitment is not None else None
    if span is None:
        return _("%(share)s of the target") % {"share": share}
    minutes, working = span
    time = duration_words(minutes * value.value / 100, working=working)
    if value.above:
        time = _("over %(time)s") % {"time": time}
    return _("%(time)s (%(share)s of the target)") % {"time": time, "share": share}
