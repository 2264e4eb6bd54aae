"""Canned replies: texts admins write once, per communication purpose and language, that staff
pick when they tell a customer something; placeholders are filled in from the case."""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from requests_desk.models.requests import BODY_LIMIT, BODY_MAX
from requests_desk.vocabulary import Purpose

#: What a template may say in braces: the customer's name and organisation, the tracking
#: code, the next answer due (Korean time) and the assignee (else the team).
PLACEHOLDERS = ("customer", "organisation", "tracking_code", "due", "assignee")
PLACEHOLDER = re.compile(r"\{([^{}\s]*)\}")


class CannedReply(models.Model):
    title = models.CharField(_("title"), max_length=100)
    purpose = models.CharField(
        _("purpose"),
        max_length=20,
        choices=Purpose.choices,
        blank=True,
        help_text=_("Picking the reply sets this purpose. Empty: any purpose."),
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="ko"
    )
    body = models.TextField(
        _("text"),
        max_length=BODY_MAX,
        validators=[BODY_LIMIT],
        help_text=_(
            "Placeholders: {customer}, {organisation}, {tracking_code}, {due}, {assignee}."
        ),
    )
    active = models.BooleanField(_("offered to staff"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["language", "purpose", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [
            models.UniqueConstraint(
                fields=["title", "language"], name="canned_reply_title_language"
            )
        ]

    def __str__(self) -> str:
        return f"[{self.language}] {self.title}"

    def clean(self) -> None:
        unknown = sorted(set(PLACEHOLDER.findall(self.body or "")) - set(PLACEHOLDERS))
        if unknown:
            raise ValidationError(
                {
                    "body": _("Unknown placeholder(s): %(names)s. Known: %(known)s.")
                    % {
                        "names": ", ".join(f"{{{name}}}" for name in unknown),
                        "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                    }
                }
            )

    def render(self, values: dict[str, str]) -> str:
        """The text with each placeholder replaced by its value (``values`` names them all)."""
        return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), self.body)
