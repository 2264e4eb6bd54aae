"""The input of every notice write, for the desk's pages and the API alike.

The limits, choices and rules are the models' (field validators, ``SuspensionPlan.clean``):
these forms are built from them, and the API reads its input through the same forms. What
depends on the moment (a window far enough ahead) is the services' to judge; their refusals
come back onto the fields (:func:`add_notice_errors`), so nothing typed is lost.

Instants are typed as Asia/Seoul wall-clock times on the pages; the API sends them with an
offset."""

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.models import Service
from notifications.notices.models import Announcement, NoticeChannel, SuspensionPlan

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=DATETIME_FORMAT)


class CheckboxList(forms.CheckboxSelectMultiple):
    """Checkboxes whose label (and the error summary's link) points at the first box."""

    def id_for_label(self, id_, index=None):
        return f"{id_}_0" if id_ and index is None else super().id_for_label(id_, index)


class ServiceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.division.name})"


def add_notice_errors(form: forms.Form, error) -> None:
    """A service's field errors onto the form's fields; others at the top."""
    for field, messages in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


def plan_field(name: str, **kwargs) -> forms.Field:
    """The form field of ``SuspensionPlan.<name>``: its limit and blank-ness are the model's."""
    return SuspensionPlan._meta.get_field(name).formfield(**kwargs)


def short_notice_field() -> forms.BooleanField:
    return forms.BooleanField(
        label=_("I know this gives less than 7 days' notice: plan it anyway"),
        required=False,
    )


class SuspensionPlanForm(forms.ModelForm):
    """A new plan. ``services`` are those the planner may choose (their divisions'), named by
    number on the page and by code in the API (``services_by``)."""

    services = ServiceChoiceField(
        label=_("Affected services"),
        queryset=Service.objects.none(),
        widget=CheckboxList,
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
    accept_short_notice = short_notice_field()

    class Meta:
        model = SuspensionPlan
        fields = [
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
        ]
        labels = {
            "starts_at": _("Suspension starts (KST)"),
            "ends_at": _("Suspension ends (KST)"),
            "cause": _("Cause"),
            "cause_other": _("Other cause"),
            "title_ko": _("Title (Korean)"),
            "body_ko": _("Notice (Korean)"),
            "title_en": _("Title (English)"),
            "body_en": _("Notice (English)"),
        }
        help_texts = {"cause_other": _("Required when the cause is “Other”.")}
        widgets = {
            "starts_at": DateTimeLocalInput(),
            "ends_at": DateTimeLocalInput(),
            "body_ko": forms.Textarea(attrs={"rows": 4}),
            "body_en": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, services=None, services_by: str = "pk", **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["services"]
        field.queryset = services if services is not None else Service.objects.none()
        field.to_field_name = None if services_by == "pk" else services_by
        if services_by != "pk":  # the API names services by code: say which one is not known
            field.error_messages["invalid_choice"] = _(
                "Unknown service, or not one of your divisions: %(value)s"
            )


class PublishForm(forms.Form):
    prefix = "publish"
    manual_note = plan_field(
        "manual_note",
        label=_("How the document and phone notices were made"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("E.g. the document number sent, or whom you called."),
    )


class RescheduleForm(forms.ModelForm):
    """The new window, checked by the plan's own rules (``SuspensionPlan.clean``) on a copy:
    the plan itself changes only through the service."""

    prefix = "reschedule"
    reason = plan_field("change_reason", label=_("Reason for the change"), required=True)
    accept_short_notice = short_notice_field()

    class Meta:
        model = SuspensionPlan
        fields = ["starts_at", "ends_at"]
        labels = {"starts_at": _("New start (KST)"), "ends_at": _("New end (KST)")}
        widgets = {"starts_at": DateTimeLocalInput(), "ends_at": DateTimeLocalInput()}


class CancelForm(forms.Form):
    prefix = "cancel"
    reason = plan_field("change_reason", label=_("Reason for the cancellation"), required=True)


class AnnouncementForm(forms.ModelForm):
    class Meta:
        model = Announcement
        fields = ["title_ko", "body_ko", "title_en", "body_en", "spec_completed_at"]
        labels = {
            "title_ko": _("Title (Korean)"),
            "body_ko": _("Announcement (Korean)"),
            "title_en": _("Title (English)"),
            "body_en": _("Announcement (English)"),
            "spec_completed_at": _("Specification completed at (KST)"),
        }
        help_texts = {
            "spec_completed_at": _("The announcement is owed by the end of that business day.")
        }
        widgets = {
            "body_ko": forms.Textarea(attrs={"rows": 5}),
            "body_en": forms.Textarea(attrs={"rows": 5}),
            "spec_completed_at": DateTimeLocalInput(),
        }
