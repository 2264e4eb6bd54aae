"""Certificates imported in bulk from CSV or XLSX (the admins keep thousands).

One row a certificate: ``organisation``, ``contact_name``, ``email``, optional ``phone``,
``product``, ``serial``, ``expires_on`` (YYYY-MM-DD, or a date cell), optional ``language``
(``ko``/``en``, default ``ko``) and ``division`` (code; default the importer's choice).
Each row goes through the same rules as a certificate typed in (the model's limits and
``clean()``, the contact's), and each certificate imported starts its clock through
:mod:`requests_desk.records.certificates`.

The import is in two steps: :func:`certificates_preview` checks every row without writing
and lists the bad ones with their errors; :func:`certificates_import` writes the rows that
passed, all or none (a row that fails then stops the whole import: nothing is half-written).
Bad rows are refused and listed, never imported silently.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from commitments.access import may_see_division
from commitments.models import Division
from requests_desk.cases.customers import customer_find_or_create
from requests_desk.cases.errors import DeskError
from requests_desk.models import Certificate
from requests_desk.records.certificates import certificate_save_new

COLUMNS = (
    "organisation",
    "contact_name",
    "email",
    "phone",
    "product",
    "serial",
    "expires_on",
    "language",
    "division",
)
REQUIRED = ("organisation", "contact_name", "email", "product", "serial", "expires_on")
#: The contact's fields as the file names them.
CONTACT_COLUMNS = {
    "name": "contact_name",
    "organisation": "organisation",
    "email": "email",
    "phone": "phone",
}
MAX_ROWS = 20000


class ImportFileError(DeskError):
    """The file itself cannot be read (not CSV or XLSX, no header, missing columns)."""


class CertificateResource(resources.ModelResource):
    """A row of the file as a certificate: fields read by widgets, the contact found or created,
    the row checked by the model's ``full_clean()``, saved with its clock."""

    division = fields.Field(
        attribute="division",
        column_name="division",
        widget=widgets.ForeignKeyWidget(Division, field="code"),
    )
    expires_on = fields.Field(
        attribute="expires_on", column_name="expires_on", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = Certificate
        fields = ("division", "product", "serial", "expires_on", "language")
        import_id_fields = ()
        force_init_instance = True
        clean_model_instances = True
        skip_diff = True
        use_transactions = True

    def __init__(self, *, actor=None, division: Division | None = None, now=None):
        super().__init__()
        self.actor, self.default_division = actor, division
        self.now = now or timezone.now()
        self._seen: set[tuple[str, str]] = set()

    def before_import(self, dataset, **kwargs):
        self._seen = set()

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list] = {}
        for name in REQUIRED:
            if not str(row.get(name) or "").strip():
                errors[name] = [_("This field is required.")]
        if not str(row.get("division") or "").strip():
            row["division"] = self.default_division.code if self.default_division else ""
        if not str(row.get("language") or "").strip():
            row["language"] = "ko"
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        if instance.division_id and not may_see_division(self.actor, instance.division_id):
            errors["division"] = [_("You may only record in your own division(s).")]
        key = (str(row.get("product") or "").strip(), str(row.get("serial") or "").strip())
        if all(key) and key in self._seen:
            errors.setdefault("serial", []).append(_("This serial is twice in the file."))
        self._seen.add(key)
        if not errors.get("email"):
            try:
                instance.customer = customer_find_or_create(
                    **{name: str(row.get(column) or "") for name, column in CONTACT_COLUMNS.items()}
                )
            except DeskError as error:
                for name, messages in error.message_dict.items():
                    errors.setdefault(CONTACT_COLUMNS.get(name, name), []).extend(messages)
        instance.product = (instance.product or "").strip()
        instance.serial = (instance.serial or "").strip()
        instance.created_by, instance.created_at = self.actor, self.now
        if errors:
            raise ValidationError(errors)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        if import_validation_errors:
            raise ValidationError(import_validation_errors)
        super().validate_instance(instance, {}, validate_unique)

    def save_instance(self, instance, is_create, row, **kwargs):
        if kwargs.get("dry_run"):
            return  # the check: every rule has run (full_clean); nothing to write or start
        certificate_save_new(instance, actor=self.actor, now=self.now)


@dataclass
class BadRow:
    number: int  # the row's line in the file, the header being line 1
    errors: list[str]
    values: dict


@dataclass
class ImportCheck:
    good: list[dict] = field(default_factory=list)
    bad: list[BadRow] = field(default_factory=list)


def read_table(*, name: str, content: bytes) -> tablib.Dataset:
    """The file as a table: CSV (UTF-8, with or without a BOM) or XLSX, by its name."""
    lower = name.lower()
    try:
        if lower.endswith(".xlsx"):
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        elif lower.endswith(".csv"):
            text = _decoded(content)
            rows = list(csv.reader(io.StringIO(text)))
            if not rows:
                raise ImportFileError({"file": [_("The file is empty.")]})
            dataset = tablib.Dataset(headers=[h.strip() for h in rows[0]])
            width = len(rows[0])
            for values in rows[1:]:
                if any(value.strip() for value in values):
                    dataset.append((values + [""] * width)[:width])
        else:
            raise ImportFileError({"file": [_("Give a .csv or .xlsx file.")]})
    except ImportFileError:
        raise
    except Exception as error:  # a broken file is the user's to fix, never a 500
        raise ImportFileError(
            {"file": [_("The file cannot be read: %(error)s") % {"error": error}]}
        ) from error
    headers = [str(h or "").strip() for h in (dataset.headers or [])]
    missing = [column for column in REQUIRED if column not in headers]
    if missing:
        raise ImportFileError(
            {"file": [_("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}]}
        )
    if dataset.height > MAX_ROWS:
        raise ImportFileError({"file": [_("At most %(n)s rows at a time.") % {"n": MAX_ROWS}]})
    dataset.headers = headers
    return dataset


def _decoded(content: bytes) -> str:
    """CSV text: UTF-8 (with or without a BOM), else CP949 (what Korean Excel saves)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp949")


def _rows(dataset: tablib.Dataset) -> list[dict]:
    known = [c for c in COLUMNS if c in dataset.headers]
    return [
        {c: _cell(row.get(c)) for c in known}
        for row in (dict(zip(dataset.headers, values, strict=False)) for values in dataset)
    ]


def _cell(value) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return "" if value is None else str(value).strip()


def _dataset(rows: list[dict]) -> tablib.Dataset:
    dataset = tablib.Dataset(headers=list(COLUMNS))
    for row in rows:
        dataset.append([row.get(c, "") for c in COLUMNS])
    return dataset


def certificates_preview(
    dataset: tablib.Dataset, *, actor, division: Division | None
) -> ImportCheck:
    """Every row checked, nothing written: the good rows (as plain values) and the bad ones
    with their errors."""
    rows = _rows(dataset)
    resource = CertificateResource(actor=actor, division=division)
    result = resource.import_data(_dataset(rows), dry_run=True, raise_errors=False)
    check = ImportCheck()
    bad_numbers = set()
    for invalid in result.invalid_rows:
        bad_numbers.add(invalid.number)
        check.bad.append(
            BadRow(invalid.number + 1, _error_lines(invalid.error_dict), rows[invalid.number - 1])
        )
    for number, errors in result.row_errors():
        bad_numbers.add(number)
        check.bad.append(BadRow(number + 1, [str(e.error) for e in errors], rows[number - 1]))
    check.bad.sort(key=lambda bad: bad.number)
    check.good = [row for index, row in enumerate(rows, 1) if index not in bad_numbers]
    return check


def _error_lines(error_dict: dict) -> list[str]:
    return [
        str(message) if name == NON_FIELD_ERRORS else f"{name}: {message}"
        for name, messages in error_dict.items()
        for message in messages
    ]


def certificates_import(rows: list[dict], *, actor, division: Division | None) -> int:
    """Write the rows a preview found good, all in one transaction: if any fails now (the
    data changed since the preview), nothing is written and the failure is raised."""
    resource = CertificateResource(actor=actor, division=division)
    result = resource.import_data(
        _dataset(rows),
        dry_run=False,
        raise_errors=False,
        use_transactions=True,
        rollback_on_validation_errors=True,
    )
    if result.has_validation_errors() or result.has_errors():
        lines = [
            f"{_('Row')} {invalid.number + 1}: {line}"
            for invalid in result.invalid_rows
            for line in _error_lines(invalid.error_dict)
        ] + [
            f"{_('Row')} {number + 1}: {error.error}"
            for number, errors in result.row_errors()
            for error in errors
        ]
        raise DeskError({"file": lines or [_("The import failed: nothing was written.")]})
    return result.totals.get("new", 0)
