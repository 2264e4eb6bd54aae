"""Admins import and export the directory (contacts with their on-call columns, teams,
services) as CSV and XLSX; a preview with a bad row cannot be confirmed; reminder percentages
are typed as numbers, not JSON."""

import io

import openpyxl
import pytest

from commitments.models import Commitment, Contact, Service
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HEADER = "service,name,title,role,phone,mobile,email,on_call,effective_from,effective_until\n"


@pytest.fixture
def admin_client(client, charter):
    client.force_login(UserFactory(username="directory.admin", is_superuser=True))
    return client


def upload(client, content: bytes, name: str, fmt: str):
    page = client.get("/admin/commitments/contact/import/")
    choices = {label: value for value, label in page.context["form"].fields["format"].choices}
    return client.post(
        "/admin/commitments/contact/import/",
        {
            "resource": "0",
            "format": choices[fmt],
            "import_file": io.BytesIO(content) if False else _file(content, name),
        },
    )


def _file(content: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_csv_of_contacts_previews_then_imports_with_the_on_call_columns(admin_client):
    service = Service.objects.get(code="bcp")
    rows = HEADER + (
        "bcp,오늘당직,과장,deputy,02-555-0101,010-5555-0101,night@example.com,yes,2026-12-01,\n"
    )

    preview = upload(admin_client, rows.encode(), "contacts.csv", "csv")

    assert preview.status_code == 200
    assert "confirm_form" in preview.context
    assert preview.context["confirm_form"] is not None
    assert not Contact.objects.filter(name="오늘당직").exists()  # a preview writes nothing
    confirm = preview.context["confirm_form"]
    done = admin_client.post(
        "/admin/commitments/contact/process_import/",
        {name: confirm[name].value() for name in confirm.fields},
    )
    assert done.status_code == 302
    added = Contact.objects.get(name="오늘당직")
    assert added.service == service
    assert added.on_call is True
    assert f"{added.effective_from:%Y-%m-%d}" == "2026-12-01"
    assert added.effective_until is None


def test_a_bad_row_is_shown_in_the_preview_and_nothing_can_be_confirmed(admin_client):
    rows = HEADER + (
        "bcp,좋은행,,deputy,02-555-0102,,good@example.com,no,2026-12-01,\n"
        "bcp,나쁜행,,deputy,call me maybe,,not-an-address,no,2026-12-01,2026-11-01\n"
    )

    preview = upload(admin_client, rows.encode(), "contacts.csv", "csv")

    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None
    result = preview.context["result"]
    assert result.has_validation_errors() or result.has_errors()
    page = preview.content.decode()
    assert "나쁜행" in page
    assert "call me maybe" in page  # what the admin typed is shown beside its errors
    assert not Contact.objects.filter(name__in=["좋은행", "나쁜행"]).exists()

    unknown = upload(
        admin_client,
        (
            HEADER
            + "no-such-service,없는서비스,,deputy,02-555-0103,,x@example.com,no,2026-12-01,\n"
        ).encode(),
        "contacts.csv",
        "csv",
    )
    assert unknown.context.get("confirm_form") is None
    assert "no-such-service" in unknown.content.decode()
    assert not Contact.objects.filter(name="없는서비스").exists()


def test_an_xlsx_import_reads_real_dates(admin_client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    from datetime import date

    sheet.append(
        ["bcp", "엑셀당직", "", "deputy", "02-555-0104", "", "xl@example.com", "yes",
         date(2026, 12, 7), None]
    )  # fmt: skip
    out = io.BytesIO()
    book.save(out)

    preview = upload(admin_client, out.getvalue(), "contacts.xlsx", "xlsx")

    assert preview.context.get("confirm_form") is not None, preview.content.decode()[:3000]


@pytest.mark.parametrize("model", ["contact", "team", "service"])
def test_the_directory_exports_as_csv_and_xlsx(admin_client, model):
    page = admin_client.get(f"/admin/commitments/{model}/export/")
    form = page.context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    data = {
        name: "on"
        for name, field in form.fields.items()
        if getattr(field, "is_selectable_field", False)
    }
    data["resource"] = "0"

    as_csv = admin_client.post(
        f"/admin/commitments/{model}/export/", {**data, "format": formats["csv"]}
    )
    as_xlsx = admin_client.post(
        f"/admin/commitments/{model}/export/", {**data, "format": formats["xlsx"]}
    )

    assert as_csv.status_code == 200
    head = as_csv.content.decode("utf-8-sig").splitlines()[0]
    assert "code" in head or "service" in head
    assert "id" not in head.split(",")
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet.max_row > 1
    # The form's column choices are the model's own Korean field names.
    assert "Name (Korean)" not in page.content.decode()


def test_reminder_percentages_are_typed_as_numbers(admin_client):
    commitment = Commitment.objects.get(code="common.feasibility")
    url = f"/admin/commitments/commitment/{commitment.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    assert form["reminder_percents"].value() in ([50, 80], "50, 80")
    assert 'value="50, 80"' in admin_client.get(url).content.decode()
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = value.pk if hasattr(value, "pk") else value
    # The stop acts are checkboxes: each ticked value posted on its own, as a browser does.
    for name in ("stop_purposes", "stop_channels"):
        if name in form.fields:
            data[name] = list(form[name].value() or [])

    bad = admin_client.post(url, {**data, "reminder_percents": "50, eighty"})
    assert bad.status_code == 200
    assert "reminder_percents" in bad.context["adminform"].form.errors

    good = admin_client.post(url, {**data, "reminder_percents": "75%, 25"})
    assert good.status_code == 302, good.context["adminform"].form.errors
    commitment.refresh_from_db()
    assert commitment.reminder_percents == [25, 75]
