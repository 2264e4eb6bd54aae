"""The desk's service errors as HTTP answers: field errors are a 400, a stale edit a 409."""

from contextlib import contextmanager

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.settings import api_settings

from commitments.deadlines import ClockError
from requests_desk.cases import StaleEdit


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request was changed by someone else since you read it.")
    default_code = "conflict"


def field_errors(
    error: DjangoValidationError, rename: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """``message_dict`` with Django's ``__all__`` as DRF's ``non_field_errors``, and the
    service's field names renamed to the API's where they differ."""
    if not hasattr(error, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in error.messages]}
    rename = {NON_FIELD_ERRORS: api_settings.NON_FIELD_ERRORS_KEY, **(rename or {})}
    named = [(rename.get(field, field), messages) for field, messages in error.message_dict.items()]
    # Fields renamed to one name (a nested customer's) share it, their messages in order.
    return {
        name: [message for other, messages in named if other == name for message in messages]
        for name in dict.fromkeys(name for name, _messages in named)
    }


@contextmanager
def desk_errors(*, current_version=None, rename: dict[str, str] | None = None):
    """Run a desk service; its refusals become the API's answers, never a 500.

    ``current_version`` is called on a stale edit to tell the client the version to re-read."""
    try:
        yield
    except StaleEdit as exc:
        conflict = Conflict()
        conflict.detail = {
            "detail": str(Conflict.default_detail),
            **field_errors(exc, rename),
            "current_version": current_version() if current_version else None,
        }
        raise conflict from None
    except DjangoValidationError as exc:  # DeskError included
        raise ValidationError(detail=field_errors(exc, rename)) from None
    except ClockError as exc:
        # A clock refused the act (e.g. pausing one already due): the input does not fit it.
        raise ValidationError(detail={api_settings.NON_FIELD_ERRORS_KEY: [str(exc)]}) from None
