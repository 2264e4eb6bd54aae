"""Import and export of the directory (contacts, teams, services) as CSV and XLSX.

django-import-export's resources, one per model. Rows name their neighbours by code (a
service's division and team, a contact's service) and people by username, never by database
id, so a sheet exported from one portal imports into another. Every imported row goes through
the model's own ``full_clean()`` (``clean_model_instances``): the same limits and checks as the
admin's forms, shown per row in the preview, and a preview with a bad row cannot be confirmed.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from import_export import fields, resources
from import_export.formats.base_formats import CSV, XLSX
from import_export.forms import SelectableFieldsExportForm
from import_export.widgets import BooleanWidget, DateWidget, ForeignKeyWidget

from commitments.models import Contact, Division, Service, Team

FORMATS = [CSV, XLSX]


class CodeWidget(ForeignKeyWidget):
    """A foreign key named by its code; an unknown code is a row error, not a crash."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row=row, **kwargs)
        except self.model.DoesNotExist:
            raise ValueError(f"{self.model._meta.verbose_name}: {value!r}?") from None


class YesNoWidget(BooleanWidget):
    """Booleans as "yes"/"no" (also reads true/false, 1/0, 예/아니오)."""

    TRUE_VALUES = [*BooleanWidget.TRUE_VALUES, "yes", "Yes", "YES", "예", "y"]
    FALSE_VALUES = [*BooleanWidget.FALSE_VALUES, "no", "No", "NO", "아니오", "n"]

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else ("yes" if value else "no")


class DirectoryResource(resources.ModelResource):
    class Meta:
        abstract = True
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True


class ServiceResource(DirectoryResource):
    division = fields.Field("division", "division", CodeWidget(Division, "code"))
    team = fields.Field("team", "team", CodeWidget(Team, "code"))

    class Meta(DirectoryResource.Meta):
        model = Service
        import_id_fields = ["code"]
        fields = ["code", "name_ko", "name_en", "division", "team", "representative_phone"]


class TeamResource(DirectoryResource):
    division = fields.Field("division", "division", CodeWidget(Division, "code"))
    manager = fields.Field(
        "manager", "manager", CodeWidget(get_user_model(), get_user_model().USERNAME_FIELD)
    )

    class Meta(DirectoryResource.Meta):
        model = Team
        import_id_fields = ["code"]
        fields = ["code", "name_ko", "name_en", "division", "manager"]


class ContactResource(DirectoryResource):
    """The contact table, on-call columns included: a row is one person for one service from
    one date (the same person on call for another period is another row)."""

    service = fields.Field("service", "service", CodeWidget(Service, "code"))
    on_call = fields.Field("on_call", "on_call", YesNoWidget())
    effective_from = fields.Field("effective_from", "effective_from", DateWidget("%Y-%m-%d"))
    effective_until = fields.Field("effective_until", "effective_until", DateWidget("%Y-%m-%d"))

    class Meta(DirectoryResource.Meta):
        model = Contact
        import_id_fields = ["service", "name", "role", "effective_from"]
        fields = [
            "service",
            "name",
            "title",
            "role",
            "phone",
            "mobile",
            "email",
            "on_call",
            "effective_from",
            "effective_until",
        ]


class DirectoryExportForm(SelectableFieldsExportForm):
    """The export form's column choices labelled with the model's own (translated) field names
    instead of the package's title-cased attribute names."""

    def _get_field_label(self, resource, field_name: str) -> str:
        try:
            return capfirst(resource._meta.model._meta.get_field(field_name).verbose_name)
        except FieldDoesNotExist:
            return field_name
