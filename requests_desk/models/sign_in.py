"""One-time sign-in links by which a customer sees every case of their e-mail address."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CaseListLink(models.Model):
    """A link e-mailed to an address that has cases: it works once, for a short time.

    Only a digest of the link's token is kept, so a copy of the database opens nothing."""

    email = models.EmailField(_("e-mail address"))
    token_digest = models.CharField(_("token digest"), max_length=64, unique=True)
    language = models.CharField(_("language"), max_length=8, default="ko")
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("case list sign-in link")
        verbose_name_plural = _("case list sign-in links")

    def __str__(self) -> str:
        return f"{self.email} · {self.created_at:%Y-%m-%d %H:%M}"
