"""Reports that read without a manual: times as hours or days (the share of the target as the
second figure), dates in XLSX as dates, "—" where there is no data, titles instead of codes."""

import io
import re
from datetime import datetime

import openpyxl
import pytest

from tests.requests_desk.reports.test_exports import CLOCKS, body

pytestmark = pytest.mark.usefixtures("month")


def test_times_to_stop_read_as_time_with_the_share_of_the_target_beside(admin_client):
    html = admin_client.get("/en/reports/?division=infrastructure").content.decode()
    table = html[html.index('id="commitment-figures"') : html.index("</table>")]

    cells = re.findall(r'data-label="Median time to stop"[^>]*>([^<]*)<', table)
    assert cells, table[:500]
    timed = [c for c in cells if "of the target" in c and "(" in c]
    assert timed, cells  # e.g. "2.5 h (31 % of the target)"
    assert all(re.search(r"\d+(\.\d)? (min|h|days)", c) for c in timed), timed


def test_the_korean_dashboard_says_hours_in_korean(admin_client):
    html = admin_client.get("/reports/?division=infrastructure").content.decode()
    table = html[html.index('id="commitment-figures"') : html.index("</table>")]
    assert "목표의" in table
    assert "of the target" not in table


def test_xlsx_dates_are_dates(admin_client):
    response = admin_client.get(f"{CLOCKS}export/xlsx/?division=infrastructure&outcome=breached")
    workbook = openpyxl.load_workbook(io.BytesIO(body(response)))
    rows = list(workbook.active.iter_rows(values_only=True))
    due = rows[0].index("Due")
    assert all(isinstance(row[due], datetime) for row in rows[1:])
    workbook.close()


def test_survey_groups_without_answers_read_a_dash(client, charter):
    html = client.get("/en/surveys/results/").content.decode()
    averages = re.findall(r'class="text-end group-average">([^<]*)<', html)
    assert "0.00" not in averages
