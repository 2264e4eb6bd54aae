"""A record is saved only once its own rules pass: limits, choices and validators on its fields,
and its ``clean()``."""

from django.core.exceptions import ValidationError

from requests_desk.cases.errors import DeskError


def checked(record, *, exclude: tuple[str, ...] = (), rename: dict[str, str] | None = None):
    """``record.full_clean()``, its refusals as :class:`DeskError` on the service's own field
    names (``rename``); fields in ``exclude`` are filled in later (e.g. the request a record
    belongs to, once it exists)."""
    rename = rename or {}
    try:
        record.full_clean(exclude=exclude)
    except ValidationError as error:
        raise DeskError(
            {rename.get(field, field): messages for field, messages in error.message_dict.items()}
        ) from None
    return record
