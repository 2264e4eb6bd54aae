"""The two errors the desk's services raise; forms and serializers map them to field errors."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class DeskError(ValidationError):
    """Bad input, as ``{field: [message, …]}`` (``message_dict``); ``__all__`` for the whole."""

    def __init__(self, errors: dict[str, list[str] | str]):
        super().__init__(
            {
                field or NON_FIELD_ERRORS: [
                    str(m) for m in (msgs if isinstance(msgs, list) else [msgs])
                ]
                for field, msgs in errors.items()
            }
        )

    @property
    def errors(self) -> dict[str, list[str]]:
        return self.message_dict


class StaleEdit(DeskError):
    """The edit was made on an older version of the request: someone else changed it since."""

    def __init__(self, message: str):
        super().__init__({"version": [message]})
