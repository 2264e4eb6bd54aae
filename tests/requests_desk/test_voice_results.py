"""The published satisfaction results (``voice.survey-publish``): aggregates per quarter, small
groups hidden, no personal data, bad quarters refused clearly, constant queries."""

import re

import pytest

from commitments.models import Division
from requests_desk.models.voice import SurveySource
from tests.requests_desk.views_support import text
from tests.requests_desk.voice_factories import SurveyResponseFactory, infrastructure
from tests.seoul import at, kst

pytestmark = pytest.mark.usefixtures("korean")
SECRET = "비밀 코멘트: 김민지 010-1234-5678"


@pytest.fixture(autouse=True)
def today():
    """Wed 2026-11-25 12:00 KST: the last full quarter is 2026Q3, 2026Q4 is in progress."""
    with at(2026, 11, 25, 12):
        yield


@pytest.fixture
def scores(charter):
    """In 2026Q3: Infrastructure's customers gave 5, 5, 4, 4, 3, 1 (6 responses, average
    22 / 6 = 3.67); its phone monitoring 4, 4, 4, 4, 2 (average 18 / 5 = 3.60); the Market
    HO's customers 5, 5, 5 (too few to show). Outside the quarter: one just before it starts,
    one at the first instant of the next."""
    infra, market = infrastructure(), Division.objects.get(code="market")
    day = kst(2026, 8, 10, 15)
    for score in (5, 5, 4, 4, 3, 1):
        SurveyResponseFactory(division=infra, score=score, at=day, comment=SECRET)
    for score in (4, 4, 4, 4, 2):
        SurveyResponseFactory(
            division=infra, score=score, at=day, source=SurveySource.PHONE_MONITORING
        )
    for score in (5, 5, 5):
        SurveyResponseFactory(division=market, score=score, at=day)
    SurveyResponseFactory(division=infra, score=1, at=kst(2026, 6, 30, 23, 59))
    SurveyResponseFactory(division=infra, score=1, at=kst(2026, 10, 1, 0, 0))


def section(page: str, source: str) -> str:
    match = re.search(rf'data-source="{source}">(.*?)</section>', page, re.S)
    assert match, source
    return match.group(1)


def rows(html: str) -> list[str]:
    return re.findall(r'<tr class="survey-group.*?</tr>', html, re.S)


def figures(row: str) -> tuple[str, str, str, list[str]]:
    label = re.search(r'class="group-label">(.*?)</th>', row).group(1)
    count = re.search(r'class="text-end group-count">(.*?)</td>', row).group(1)
    average = re.search(r'class="text-end group-average">(.*?)</td>', row).group(1)
    spread = re.findall(r'class="score-count">(.*?)</span>', row)
    return label, count, average, spread


def test_the_last_full_quarter_shows_hand_checked_aggregates(client, scores):
    page = text(client.get("/en/surveys/results/"))

    assert "2026Q3 (2026-07-01 – 2026-09-30)" in page
    customer = section(page, "customer")
    infra, total = rows(customer)
    assert "Infrastructure" in figures(infra)[0]
    assert figures(infra)[1:] == (
        "6",
        "3.67",
        ["2 (33%)", "2 (33%)", "1 (17%)", "0 (0%)", "1 (17%)"],
    )
    assert figures(total)[1:3] == ("6", "3.67")  # the Market HO's 3 answers are left out
    assert "1 division with too few responses is not shown." in customer
    phone = section(page, "phone_monitoring")
    infra_phone, _total = rows(phone)
    assert figures(infra_phone)[1:] == (
        "5",
        "3.60",
        ["0 (0%)", "4 (80%)", "0 (0%)", "1 (20%)", "0 (0%)"],
    )
    assert "fewer than 5 responses is not shown" in page


def test_no_comment_name_or_case_is_published(client, scores):
    page = text(client.get("/surveys/results/?quarter=2026Q3"))

    assert "비밀 코멘트" not in page
    assert "김민지" not in page
    assert "010-1234-5678" not in page
    assert "시장" not in section(page, "customer")  # the hidden division is not named


def test_the_quarter_in_progress_says_so(client, scores):
    page = text(client.get("/en/surveys/results/?quarter=2026Q4"))
    assert "still in progress" in page
    assert "Not enough responses in this quarter to publish." in page  # 1 response only


@pytest.mark.parametrize(
    ("quarter", "reason"),
    [
        ("garbage", "Give a quarter like 2026Q3."),
        ("2026Q5", "Give a quarter like 2026Q3."),
        ("2027Q1", "2027Q1 has not begun yet"),
        ("1999Q4", "Results start in 2000."),
        ("<script>alert(1)</script>", "Give a quarter like 2026Q3."),
        ("2026Q3\x00", "Give a quarter like 2026Q3."),
        ("９９９９Q1", "Give a quarter like 2026Q3."),
        ("x" * 5000, "Give a quarter like 2026Q3."),
    ],
)
def test_a_bad_quarter_is_a_clear_400(client, charter, quarter, reason):
    response = client.get("/en/surveys/results/", {"quarter": quarter})

    assert response.status_code == 400
    page = text(response)
    assert reason in page
    assert 'href="#quarter"' in page
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_quarters_may_be_written_loosely(client, scores):
    assert client.get("/surveys/results/?quarter=2026-q3").status_code == 200


def test_the_page_runs_the_same_queries_for_few_and_many_responses(
    client, charter, django_assert_max_num_queries
):
    SurveyResponseFactory(at=kst(2026, 8, 1, 10))
    with django_assert_max_num_queries(5) as few:
        assert client.get("/surveys/results/?quarter=2026Q3").status_code == 200
    market = Division.objects.get(code="market")
    for n in range(40):
        SurveyResponseFactory(
            at=kst(2026, 8, 1, 10),
            score=n % 5 + 1,
            division=market if n % 2 else infrastructure(),
            source=SurveySource.PHONE_MONITORING if n % 3 else SurveySource.CUSTOMER,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/surveys/results/?quarter=2026Q3").status_code == 200


def test_the_results_need_no_account(client, charter):
    response = client.get("/surveys/results/")
    assert response.status_code == 200
    assert 'name="quarter"' in text(response)
