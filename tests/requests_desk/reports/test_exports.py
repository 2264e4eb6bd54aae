"""Exports: CSV with a BOM and no formulas, XLSX that opens, both streamed; the monthly report."""

import csv
import io

import openpyxl
import pytest
from django.http import FileResponse, StreamingHttpResponse

from requests_desk.reports.exports import safe_cell
from tests.requests_desk.reports.report_factories import clock
from tests.seoul import kst

pytestmark = pytest.mark.usefixtures("month")

CLOCKS = "/en/reports/list/clocks/"


def body(response) -> bytes:
    """The whole streamed body. The file behind an XLSX is closed by hand: closing the response
    in a test would send ``request_finished`` and close the test's database connection."""
    spool = getattr(response, "file_to_stream", None)
    content = b"".join(response.streaming_content)
    if spool is not None:
        spool.close()
    return content


def test_a_list_exports_as_a_streamed_csv_with_a_bom(admin_client):
    response = admin_client.get(f"{CLOCKS}export/csv/?division=infrastructure&outcome=met")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="clocks-2026-11.csv"'
    assert response["Server-Timing"].startswith("app;dur=")
    content = body(response)
    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Commitment", "Subject", "Division"]
    # Five of the test commitment, the call-back in time and the complaint feedback in time.
    assert len(rows) == 1 + 7
    assert {r[1] for r in rows[1:]} == {"고객 요청"}
    assert rows[1][6] == "2026-11-01 00:40"  # due instants in Seoul time, nearest first


def test_a_cell_that_would_be_a_formula_stays_text(admin_client, month):
    request_clock = clock(
        month.commitment, start=kst(2026, 11, 24, 10), division=month.division, team=month.team
    )
    request_clock.subject_label = '=HYPERLINK("http://evil.example","x")'
    request_clock.save()
    content = body(admin_client.get(f"{CLOCKS}export/csv/?division=infrastructure&outcome=started"))
    assert "'=HYPERLINK(" in content.decode("utf-8-sig")
    assert safe_cell("+1") == "'+1"
    assert safe_cell("-1") == "'-1"
    assert safe_cell("@sum") == "'@sum"
    assert safe_cell(-1) == -1
    assert safe_cell("보통 글") == "보통 글"


def test_a_list_exports_as_an_xlsx_that_opens(admin_client):
    response = admin_client.get(f"{CLOCKS}export/xlsx/?division=infrastructure&outcome=breached")
    assert response.status_code == 200
    assert isinstance(response, FileResponse)
    assert response["Content-Disposition"].startswith("attachment;")
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Commitment"
    # Swept, stopped late, and the late call-back.
    assert len(rows) == 1 + 3
    workbook.close()


def test_every_list_exports(admin_client):
    for kind in ("calls", "unkind-reports", "coupons", "surveys"):
        response = admin_client.get(f"/en/reports/list/{kind}/export/csv/?division=infrastructure")
        assert response.status_code == 200, kind
        assert len(body(response).decode("utf-8-sig").strip().splitlines()) > 1, kind


def test_the_monthly_report_prints_and_exports(admin_client):
    page = admin_client.get("/en/reports/monthly/?division=infrastructure&day=2026-11-20")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Monthly SLA report" in html
    assert "reports.css" in html  # the print styles
    assert "Terms in force" in html
    content = body(admin_client.get("/en/reports/monthly/export/csv/?division=infrastructure"))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    test_row = next(r for r in rows if r and r[0] == "test.report-100")
    assert test_row[3:9] == ["8", "5", "2", "1", "1", "71.4"]
    assert test_row[9:11] == ["80", "135"]
    response = admin_client.get("/en/reports/monthly/export/xlsx/?division=infrastructure")
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == ["Commitments", "Phone and voice", "Terms in force"]
    workbook.close()


def test_a_long_list_is_streamed_in_chunks(admin_client, month, django_assert_max_num_queries):
    # The export reads through a server-side cursor: the rows are not fetched before the
    # response starts, and the whole list costs a bounded number of queries.
    for day in range(1, 29):
        clock(
            month.commitment, start=kst(2026, 11, day, 9), division=month.division, team=month.team
        )
    with django_assert_max_num_queries(12):
        response = admin_client.get(f"{CLOCKS}export/csv/?division=infrastructure&outcome=running")
        lines = body(response).decode("utf-8-sig").strip().splitlines()
    assert len(lines) > 28


def test_an_xlsx_sheet_stops_at_its_limit_and_says_so(admin_client, monkeypatch):
    from requests_desk.reports import exports

    monkeypatch.setattr(exports, "XLSX_MAX_ROWS", 2)
    response = admin_client.get(f"{CLOCKS}export/xlsx/?division=infrastructure&outcome=met")
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 1 + 2 + 1
    assert rows[-1][0] == "Only the first 2 rows: export CSV for all."
    workbook.close()


def _xlsx_rows(response) -> list[tuple]:
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    rows = list(workbook.active.iter_rows(values_only=True))
    workbook.close()
    return rows


def _relabel(month, label: str) -> None:
    request_clock = clock(
        month.commitment, start=kst(2026, 11, 24, 10), division=month.division, team=month.team
    )
    request_clock.subject_label = label
    request_clock.save()


def test_control_characters_are_left_out_of_an_xlsx_and_kept_in_a_csv(admin_client, month):
    _relabel(month, "ctrl\x0bchar\x01 and\x1f more\tand a tab")
    query = "division=infrastructure&outcome=running&commitment=test.report-100"
    response = admin_client.get(f"{CLOCKS}export/xlsx/?{query}")
    assert response.status_code == 200
    subjects = [row[1] for row in _xlsx_rows(response)[1:]]
    assert "ctrlchar and more\tand a tab" in subjects
    csv_text = body(admin_client.get(f"{CLOCKS}export/csv/?{query}")).decode("utf-8-sig")
    assert "ctrl\x0bchar" in csv_text


def test_a_formula_in_an_xlsx_is_text_without_an_apostrophe(admin_client, month):
    _relabel(month, "=1+2")
    query = "division=infrastructure&outcome=running&commitment=test.report-100"
    response = admin_client.get(f"{CLOCKS}export/xlsx/?{query}")
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    cells = [row[1] for row in workbook.active.iter_rows(min_row=2)]
    workbook.close()
    formula = next(cell for cell in cells if cell.value == "=1+2")
    assert formula.data_type == "s"  # a string cell: no spreadsheet evaluates it
    assert not any(str(cell.value).startswith("'") for cell in cells)
    # CSV keeps its neutralisation.
    csv_text = body(admin_client.get(f"{CLOCKS}export/csv/?{query}")).decode("utf-8-sig")
    assert "'=1+2" in csv_text


@pytest.mark.parametrize(
    ("query", "name", "month"),
    [
        ("", "2026-11", "2026-11"),
        ("period=quarter&day=2026-11-01", "2026-Q4", "2026-10"),
        ("period=year&day=2026-11-01", "2026", "2026-01"),
        ("period=custom&start=2026-11-02&end=2026-11-05", "2026-11-02_2026-11-05", "2026-11"),
    ],
)
def test_export_file_names_are_plain_ascii_for_every_period(admin_client, query, name, month):
    # (The monthly report covers the month the period begins in.)
    for fmt in ("csv", "xlsx"):
        response = admin_client.get(f"{CLOCKS}export/{fmt}/?{query}")
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="clocks-{name}.{fmt}"'
        body(response)
    monthly = admin_client.get(f"/en/reports/monthly/export/csv/?{query}")
    assert monthly["Content-Disposition"] == f'attachment; filename="monthly-{month}.csv"'
    body(monthly)


def test_the_korean_monthly_csv_names_its_columns_as_report_columns(admin_client):
    content = body(admin_client.get("/reports/monthly/export/csv/?division=infrastructure"))
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    header = rows[2]
    # "Target" and "Started" of a report are not the instants the desk shows under those words.
    assert "기준 일시" not in header
    assert "시작 일시" not in header
    assert rows[0][0].startswith("월간 SLA 보고서 2026-11")


def test_a_list_whose_title_has_a_colon_exports_as_an_xlsx(admin_client):
    # "Clocks stopped: in time or late": a sheet title may not hold ":" (nor []*?/\).
    response = admin_client.get(f"{CLOCKS}export/xlsx/?division=infrastructure&outcome=given")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    assert workbook.sheetnames == ["Clocks stopped  in time or late"]
    # Met (five of the test commitment, two of the voice) and stopped late (two).
    assert workbook.active.max_row == 1 + 7 + 2
    workbook.close()
