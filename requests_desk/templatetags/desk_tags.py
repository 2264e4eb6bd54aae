"""Small display helpers for the desk's templates."""

from django import template

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
