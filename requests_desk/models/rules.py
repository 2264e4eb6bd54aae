"""Which catalogue commitments a new request owes: a table admins edit."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from requests_desk.vocabulary import Channel, RequestKind


class ClockRuleQuerySet(models.QuerySet):
    def matching(self, *, kind: str, division_id, service_id, channel: str) -> "ClockRuleQuerySet":
        """Active rules whose every given condition fits; an empty condition fits anything."""
        return self.filter(
            models.Q(request_kind="") | models.Q(request_kind=kind),
            models.Q(division__isnull=True) | models.Q(division_id=division_id),
            models.Q(service__isnull=True) | models.Q(service_id=service_id),
            models.Q(channel="") | models.Q(channel=channel),
            active=True,
            commitment__active=True,
        )


class ClockRule(models.Model):
    """A request of this kind / division / service / channel starts this commitment's clock."""

    commitment = models.ForeignKey(
        "commitments.Commitment",
        on_delete=models.PROTECT,
        related_name="clock_rules",
        verbose_name=_("commitment"),
    )
    request_kind = models.CharField(
        _("request kind"),
        max_length=30,
        choices=RequestKind.choices,
        blank=True,
        help_text=_("Empty: any kind."),
    )
    division = models.ForeignKey(
        "commitments.Division",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
        help_text=_("Empty: any division."),
    )
    service = models.ForeignKey(
        "commitments.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
        help_text=_("Empty: any service."),
    )
    channel = models.CharField(
        _("channel"),
        max_length=20,
        choices=Channel.choices,
        blank=True,
        help_text=_("Empty: any channel."),
    )
    active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    objects = ClockRuleQuerySet.as_manager()

    class Meta:
        ordering = ["commitment__code", "request_kind"]
        verbose_name = _("clock rule")
        verbose_name_plural = _("clock rules")
        constraints = [
            models.UniqueConstraint(
                fields=["commitment", "request_kind", "division", "service", "channel"],
                name="one_clock_rule_per_condition",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        conditions = [self.request_kind, self.channel]
        return f"{self.commitment.code} ← {' / '.join(c for c in conditions if c) or '*'}"

    def clean(self) -> None:
        commitment = self.commitment if self.commitment_id else None
        rules = [
            (
                "commitment",
                commitment is not None and not commitment.starts_clock,
                _("This commitment is a rule and starts no clock."),
            ),
            (
                "commitment",
                commitment is not None and commitment.starts_clock and commitment.needs_target,
                _(
                    "This commitment counts to a date (the expected completion or the requested "
                    "due date); the request's dates start it, not a rule."
                ),
            ),
            (
                "service",
                self.service_id
                and self.division_id
                and self.service.division_id != self.division_id,
                _("The service must belong to the rule's division."),
            ),
        ]
        if errors := {name: message for name, broken, message in rules if broken}:
            raise ValidationError(errors)
