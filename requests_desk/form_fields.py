"""Form fields made from model fields: a limit, a choice list or a validator is written once,
on the model, and every form of that write (the desk's, the homepage's, and the API's through
them) reads it from there."""

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from requests_desk.cases.attachments import (
    CheckedFile,
    TooLarge,
    allowed_extensions,
    attachment_check,
    megabytes,
)
from requests_desk.cases.errors import DeskError


def model_field(model, name: str, **shown) -> forms.Field:
    """The form field ``model`` defines for its field ``name``: length, choices, number limits
    and whether it is required come from the model, with the model field's own validators as
    well (``formfield()`` leaves those to the model's ``full_clean()``, which a form spanning
    several models does not run). ``shown`` says how it is shown (label, widget, initial …)
    and may make it optional. A required choice offers no empty choice; an optional one offers
    ``empty_label``."""
    field = model._meta.get_field(name)
    if field.choices and "choices" not in shown:
        empty = shown.pop("empty_label", "---------")
        optional = not shown.get("required", not field.blank)
        shown["choices"] = field.get_choices(include_blank=optional, blank_choice=[("", empty)])
    maxima = [v.limit_value for v in field.validators if isinstance(v, MaxValueValidator)]
    if maxima:
        shown.setdefault("max_value", min(maxima))
    form_field = field.formfield(**shown)
    form_field.validators += [v for v in field.validators if v not in form_field.validators]
    return form_field


def _files_help_text(most: int) -> str:
    return _("Up to %(most)d files of at most %(size)s each: %(types)s.") % {
        "most": most,
        "size": megabytes(settings.CHARTER_ATTACHMENT_MAX_BYTES),
        "types": allowed_extensions(),
    }


# Worded when shown, in the reader's language and with the limit then in force.
_files_help = lazy(_files_help_text, str)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class FilesField(forms.FileField):
    """Up to ``most`` files, each checked as the homepage's attachment is (type by name and by
    content, size): the cleaned value is a list of :class:`CheckedFile`. ``too_large`` is set
    when a file is over the limit (the view answers 413)."""

    widget = MultipleFileInput

    def __init__(self, *args, most: int = 5, **kwargs):
        self.most = most
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _files_help(most))
        super().__init__(*args, **kwargs)
        self.too_large = False
        self.widget.attrs["accept"] = ",".join(f".{e}" for e in allowed_extensions().split(", "))

    def clean(self, data, initial=None) -> list[CheckedFile]:
        uploads = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not uploads:
            return super().clean(None, initial) or []
        if len(uploads) > self.most:
            raise forms.ValidationError(
                _("Attach at most %(most)d files."), params={"most": self.most}
            )
        checked, errors = [], []
        for upload in uploads:
            upload = super().clean(upload, initial)
            try:
                checked.append(CheckedFile(upload, attachment_check(upload)))
            except TooLarge as error:
                self.too_large = True
                errors.extend(f"{upload.name}: {m}" for m in error.messages)
            except DeskError as error:
                errors.extend(f"{upload.name}: {m}" for m in error.messages)
        if errors:
            raise forms.ValidationError(errors)
        return checked
