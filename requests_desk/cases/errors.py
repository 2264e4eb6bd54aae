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


def full_clean(instance, *, rename: dict[str, str] | None = None, **options):
    """``instance.full_clean(**options)`` — the model's limits, choices and ``clean()`` — with
    its refusal raised as a :class:`DeskError`, the fields named as the service's arguments
    (``rename``: the model's name → the argument's). ``exclude`` names fields filled in later
    (e.g. the request a record belongs to, once it exists). Returns ``instance``."""
    try:
        instance.full_clean(**options)
    except ValidationError as error:
        names = rename or {}
        raise DeskError(
            {names.get(field, field): messages for field, messages in error.message_dict.items()}
        ) from None
    return instance
