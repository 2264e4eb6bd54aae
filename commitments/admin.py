from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import update_change_reason

from commitments.models import (
    Calendar,
    Closure,
    Commitment,
    Contact,
    Deadline,
    DeadlineEvent,
    Division,
    Service,
    StaffProfile,
    Team,
    WorkingHours,
)
from commitments.models.catalogue import validate_percents
from commitments.transfer import (
    FORMATS,
    ContactResource,
    DirectoryExportForm,
    ServiceResource,
    TeamResource,
)


class ClosureFormSet(BaseInlineFormSet):
    """Refuse overlapping closures typed into the same form, not only against saved rows."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form.instance
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.instance.day
        ]
        for i, first in enumerate(kept):
            for second in kept[i + 1 :]:
                if first.overlaps(second):
                    raise ValidationError(
                        _("Closures on %(day)s overlap."), params={"day": first.day}
                    )


class WorkingHoursFormSet(BaseInlineFormSet):
    """A calendar without any working hours would make every business clock on it impossible."""

    def clean(self) -> None:
        super().clean()
        kept = [
            form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if not kept:
            raise ValidationError(_("A calendar needs working hours on at least one weekday."))


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    max_num = 7


class ClosureInline(admin.TabularInline):
    model = Closure
    formset = ClosureFormSet
    extra = 1


@admin.register(Calendar)
class CalendarAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_ko", "name_en", "holiday_source", "time_zone"]
    list_filter = ["holiday_source"]
    search_fields = ["code", "name_ko", "name_en"]
    inlines = [WorkingHoursInline, ClosureInline]

    def save_related(self, request, form, formsets, change) -> None:
        """Name what changed in the calendar's closures and hours on its own history record.

        Saving the page writes a calendar history row even when only an inline changed; without
        a reason it would read "changed" with nothing in the changes column.
        """
        super().save_related(request, form, formsets, change)
        reason = inline_changes(formsets)
        if reason and form.instance.history.exists():
            update_change_reason(form.instance, reason[:100])


def inline_changes(formsets) -> str:
    """ "Closure added: 2026-12-24; working hours changed: Mon 09:00–18:00" from saved formsets."""
    parts = []
    for formset in formsets:
        name = formset.model._meta.verbose_name
        for verb, objects in (
            (_("%(what)s added: %(items)s"), formset.new_objects),
            (_("%(what)s changed: %(items)s"), [obj for obj, _fields in formset.changed_objects]),
            (_("%(what)s removed: %(items)s"), formset.deleted_objects),
        ):
            if objects:
                items = ", ".join(str(obj) for obj in objects)
                parts.append(verb % {"what": name, "items": items})
    return "; ".join(parts)


@admin.register(Division)
class DivisionAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name_ko", "name_en", "calendar", "head"]
    list_select_related = ["calendar", "head"]
    list_filter = ["calendar"]
    search_fields = ["code", "name_ko", "name_en"]
    autocomplete_fields = ["head"]


@admin.register(Team)
class TeamAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [TeamResource]
    formats = FORMATS
    export_form_class = DirectoryExportForm
    list_display = ["code", "name_ko", "name_en", "division", "manager"]
    list_select_related = ["division", "manager"]
    list_filter = ["division"]
    search_fields = ["code", "name_ko", "name_en"]
    autocomplete_fields = ["manager", "members"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "title", "role", "phone", "mobile", "email", "on_call", "effective_from"]


@admin.register(Service)
class ServiceAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [ServiceResource]
    formats = FORMATS
    export_form_class = DirectoryExportForm
    list_display = ["code", "name_ko", "name_en", "division", "team", "representative_phone"]
    list_select_related = ["division", "team"]
    list_filter = ["division", "team"]
    search_fields = ["code", "name_ko", "name_en"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(ImportExportMixin, SimpleHistoryAdmin):
    """The contact table, with the on-call columns; imported and exported as CSV or XLSX."""

    resource_classes = [ContactResource]
    formats = FORMATS
    export_form_class = DirectoryExportForm
    # Seven narrow columns fit at 1280 px: the service by name, the dates in one column.
    list_display = ["name", "service_name", "role", "phone", "email", "on_call", "effective"]
    list_select_related = ["service"]

    @admin.display(description=_("service"), ordering="service__code")
    def service_name(self, contact: Contact) -> str:
        return contact.service.name

    @admin.display(description=_("effective"), ordering="effective_from")
    def effective(self, contact: Contact) -> str:
        until = f"{contact.effective_until:%Y-%m-%d}" if contact.effective_until else ""
        return f"{contact.effective_from:%Y-%m-%d} – {until}"

    list_filter = ["service__division", "service", "role", "on_call"]
    search_fields = ["name", "email", "phone", "service__name_ko", "service__name_en"]
    autocomplete_fields = ["user"]


class PercentsField(forms.Field):
    """Reminder percentages typed as "50, 80" (one number per reminder), stored as [50, 80]."""

    widget = forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "50, 80"})
    default_error_messages = {
        "invalid": _("Type whole percentages between 1 and 99, separated by commas: 50, 80."),
    }

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(p) for p in value)
        return value

    def to_python(self, value):
        # "50, 80", "50%; 80%" and the JSON the field used to take ("[50, 80]", "null") all read.
        text = str(value or "").strip().strip("[]")
        text = "" if text.lower() == "null" else text
        parts = [p.strip().rstrip("%") for p in text.replace(";", ",").split(",")]
        try:
            percents = [int(p) for p in parts if p]
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        validate_percents(percents)
        return sorted(percents)


class CommitmentAdminForm(forms.ModelForm):
    reminder_percents = PercentsField(
        label=_("reminders (percent of the span)"),
        required=False,
        help_text=_("When to remind, as percentages of the time allowed, e.g. 50, 80."),
    )

    class Meta:
        model = Commitment
        fields = ["reminder_percents"]  # the admin adds the fieldsets' other fields


@admin.register(Commitment)
class CommitmentAdmin(SimpleHistoryAdmin):
    form = CommitmentAdminForm
    list_display = [
        "code",
        "title_ko",
        "target_kind",
        "target_minutes",
        "target_days",
        "target_months",
        "division",
        "service",
        "pause_on_waiting",
        "active",
    ]
    list_filter = ["target_kind", "division", "active", "pause_on_waiting", "urgent"]
    list_select_related = ["division", "service"]
    search_fields = ["code", "title_ko", "title_en", "promise_ko", "promise_en"]
    fieldsets = [
        (None, {"fields": ["code", "active", ("division", "service")]}),
        (_("Texts"), {"fields": ["title_ko", "title_en", "promise_ko", "promise_en"]}),
        (
            _("Clock"),
            {
                "fields": [
                    "target_kind",
                    ("target_minutes", "target_days", "target_months", "target_count"),
                    ("stop_ko", "stop_en"),
                    "stop_purposes",
                    "stop_channels",
                    ("stop_on_delivery", "stop_status"),
                    "pause_on_waiting",
                ]
            },
        ),
        (
            _("Reminders and escalation"),
            {
                "fields": [
                    "reminder_percents",
                    ("escalation_levels", "escalation_2_after_minutes"),
                    "urgent",
                ]
            },
        ),
    ]


class DeadlineEventInline(admin.TabularInline):
    model = DeadlineEvent
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "step_key", "at", "recorded_at", "actor", "note", "data"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    """Clocks are written by the portal, never by hand: the admin only reads them."""

    list_display = [
        "commitment_code",
        "subject_label",
        "division",
        "state",
        "started_at",
        "due_at",
        "next_action_at",
    ]
    list_filter = ["state", "division", "commitment_code"]
    search_fields = ["commitment_code", "subject_label", "subject_id"]
    date_hierarchy = "due_at"
    inlines = [DeadlineEventInline]
    list_select_related = ["division"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A clock and its events are the record of a promise kept or broken.
        return False


@admin.register(StaffProfile)
class StaffProfileAdmin(SimpleHistoryAdmin):
    list_display = ["user", "phone", "language", "notify_by_email", "notify_by_sms"]
    search_fields = ["user__username", "user__email", "phone"]
    autocomplete_fields = ["user"]
