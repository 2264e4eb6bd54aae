"""Staff forms for suspension plans and announcements.

Instants are typed as Asia/Seoul wall-clock times. Service refusals come back onto the fields
(:func:`add_notice_errors`), so nothing typed is lost."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Service
from notifications.notices.models import NoticeChannel, SuspensionCause

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


def instant_field(label, **kwargs) -> forms.DateTimeField:
    return forms.DateTimeField(label=label, widget=DateTimeLocalInput(), **kwargs)


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes whose label (and the error summary's link) points at the first box."""

    def id_for_label(self, id_, index=None):
        return f"{id_}_0" if id_ and index is None else super().id_for_label(id_, index)


def not_in_future(value) -> None:
    # A clock a minute fast on the client is no reason to refuse "now".
    if value is not None and value > timezone.now() + timedelta(minutes=2):
        raise forms.ValidationError(_("This time is in the future."))


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.division.name})"


def add_notice_errors(form: forms.Form, error) -> None:
    """A service's field errors onto the form's fields; others at the top."""
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class ShortNoticeMixin(forms.Form):
    accept_short_notice = forms.BooleanField(
        label=_("I know this gives less than 7 days' notice: plan it anyway"),
        required=False,
    )


class SuspensionPlanForm(ShortNoticeMixin):
    services = ServiceChoiceField(
        label=_("Affected services"),
        queryset=Service.objects.none(),
        widget=CheckboxList,
    )
    starts_at = instant_field(_("Suspension starts (KST)"))
    ends_at = instant_field(_("Suspension ends (KST)"))
    cause = forms.ChoiceField(
        label=_("Cause"), choices=[("", "---------"), *SuspensionCause.choices]
    )
    cause_other = forms.CharField(
        label=_("Other cause"),
        max_length=200,
        required=False,
        help_text=_("Required when the cause is “Other”."),
    )
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=NoticeChannel.choices,
        widget=CheckboxList,
        help_text=_(
            "E-mail and SMS are sent to the customers of the affected services; document and "
            "phone notices are yours to make. Every notice is posted on the homepage."
        ),
    )
    title_ko = forms.CharField(label=_("Title (Korean)"), max_length=200)
    body_ko = forms.CharField(
        label=_("Notice (Korean)"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Notice (English)"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = [
        "services",
        "starts_at",
        "ends_at",
        "cause",
        "cause_other",
        "channels",
        "title_ko",
        "body_ko",
        "title_en",
        "body_en",
        "accept_short_notice",
    ]

    def __init__(self, *args, services=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].queryset = (
            services if services is not None else Service.objects.none()
        )


class PublishForm(forms.Form):
    prefix = "publish"
    manual_note = forms.CharField(
        label=_("How the document and phone notices were made"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. the document number sent, or whom you called."),
    )


class RescheduleForm(ShortNoticeMixin):
    prefix = "reschedule"
    starts_at = instant_field(_("New start (KST)"))
    ends_at = instant_field(_("New end (KST)"))
    reason = forms.CharField(label=_("Reason for the change"), max_length=300)
    field_order = ["starts_at", "ends_at", "reason", "accept_short_notice"]


class CancelForm(forms.Form):
    prefix = "cancel"
    reason = forms.CharField(label=_("Reason for the cancellation"), max_length=300)


class AnnouncementForm(forms.Form):
    title_ko = forms.CharField(label=_("Title (Korean)"), max_length=200)
    body_ko = forms.CharField(
        label=_("Announcement (Korean)"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    body_en = forms.CharField(
        label=_("Announcement (English)"),
        max_length=10_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    spec_completed_at = instant_field(
        _("Specification completed at (KST)"),
        validators=[not_in_future],
        help_text=_("The announcement is owed by the end of that business day."),
    )
