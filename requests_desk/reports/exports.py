"""CSV and XLSX of a drill-down list or of the monthly report, streamed.

- CSV: UTF-8 with a byte-order mark (so Excel reads Korean right), produced row by row from a
  generator that reads the rows in chunks (:meth:`requests_desk.reports.lists.DrillDown.stream`)
  into a ``StreamingHttpResponse``: an export of any length never sits in memory.
- XLSX: openpyxl's write-only workbook, which writes rows out as it goes, into a temporary file
  that is then streamed back in blocks (``FileResponse``) and removed when closed; a sheet
  stops after :data:`XLSX_MAX_ROWS` rows with a note saying so.
- A text cell that a spreadsheet would read as a formula (it begins with ``=``, ``+``, ``-``,
  ``@``, a tab or a carriage return) is written to CSV with a leading apostrophe, so it stays
  text; in XLSX it is stored as a string cell (data type text), which no spreadsheet evaluates,
  so it reads exactly as typed.
- XLSX cannot hold control characters (other than tab, line feed and carriage return): they are
  left out of its cells (CSV keeps them).
- The file name is ASCII (the period's :attr:`~requests_desk.reports.periods.Period.slug`) and
  the header is built by Django's ``content_disposition_header``.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: An XLSX sheet stops here with a note (a spreadsheet of more rows takes minutes to build and
#: is no way to read them); CSV has no limit.
XLSX_MAX_ROWS = 100_000
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
#: Characters a sheet title may not hold.
SHEET_TITLE_UNSAFE = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet should store it: numbers as they are, text never a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_cell(sheet, value: Any) -> Any:
    """The value as an XLSX cell: numbers as they are, text without the control characters
    XLSX cannot hold, and text that looks like a formula as a text cell (no apostrophe)."""
    if value is None or isinstance(value, int | float):  # bool is an int
        return safe_cell(value)
    moment = getattr(value, "moment", None)  # a Seoul time (lists.SeoulTime): a real date
    if moment is not None:
        cell = WriteOnlyCell(sheet, value=moment)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    if not text.startswith(FORMULA_STARTS):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


class _Echo:
    """A file-like object whose write returns what it was given (for csv.writer)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(header: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]):
    response = StreamingHttpResponse(csv_lines(header, rows), content_type=CSV_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.csv"
    )
    return response


def xlsx_response(filename: str, sheets: list[tuple[str, list[str], Iterable[list[Any]]]]):
    """``sheets``: (title, header, rows) each; rows are read once, as they come."""
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title=str(title).translate(SHEET_TITLE_UNSAFE)[:31])
        sheet.append([xlsx_cell(sheet, h) for h in header])
        for count, row in enumerate(rows):
            if count == XLSX_MAX_ROWS:
                sheet.append(
                    [str(_("Only the first %(n)s rows: export CSV for all.")) % {"n": count}]
                )
                break
            sheet.append([xlsx_cell(sheet, value) for value in row])
    # Deleted when the response closes the file (after the last block is sent).
    spool = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(
        spool, as_attachment=True, filename=f"{filename}.xlsx", content_type=XLSX_TYPE
    )
