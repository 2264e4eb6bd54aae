"""What a person reads and where they are sent: the charter's words, the error pages, the menu
by role, the admin's history in Korean and the start page after signing in."""

import re
from html import unescape

import pytest
from django.template.loader import get_template
from django.utils import translation

from commitments.models import Calendar, Team
from tests.factories import RequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page's visible words (tags and attributes removed)."""
    page = unescape(response.content.decode())
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def member(username: str, *, team: str = "net-support", staff: bool = True):
    user = UserFactory(username=username, is_staff=staff)
    Team.objects.get(code=team).members.add(user)
    return user


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("prefix", "title", "other"),
    [
        ("", "페이지를 찾을 수 없음", "Page not found"),
        ("/en", "Page not found", "페이지를 찾을 수 없음"),
    ],
)
def test_a_missing_page_is_styled_and_in_the_page_language(client, charter, prefix, title, other):
    response = client.get(f"{prefix}/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="navbar' in page  # the portal's own layout, not Django's bare page
    assert title in text(response)
    assert other not in text(response)
    assert 'href="/emergency-contacts/"' in page or 'href="/en/emergency-contacts/"' in page


def test_the_500_page_renders_without_a_request_or_the_database(django_assert_num_queries):
    with translation.override("ko"), django_assert_num_queries(0):
        page = get_template("500.html").render()
    assert "일시적인 오류" in page
    assert "<nav" in page


def test_staff_opening_the_reports_get_a_page_saying_why_and_where_to_go(client, charter):
    signed_in(client, member("desk.only"))

    response = client.get("/reports/")

    assert response.status_code == 403
    words = text(response)
    assert "접근 권한 없음" in words
    assert "보고서는 팀장, 본부장, 관리자만 볼 수 있습니다" in words
    assert 'href="/accounts/start/"' in response.content.decode()
    assert "403 Forbidden" not in words


def test_staff_land_on_their_queue_after_signing_in(client, charter):
    user = member("queue.owner")
    user.set_password("long-enough-pass-2026")
    user.save()

    response = client.post(
        "/accounts/login/", {"username": "queue.owner", "password": "long-enough-pass-2026"}
    )

    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == "/desk/"
    english = client.post(
        "/en/accounts/login/", {"username": "queue.owner", "password": "long-enough-pass-2026"}
    )
    assert client.get(english["Location"])["Location"] == "/en/desk/"


def test_a_page_asked_for_before_signing_in_still_wins_over_the_queue(client, charter):
    user = member("asked.for")
    user.set_password("long-enough-pass-2026")
    user.save()

    response = client.post(
        "/accounts/login/?next=/desk/requests/",
        {"username": "asked.for", "password": "long-enough-pass-2026", "next": "/desk/requests/"},
    )

    assert response["Location"] == "/desk/requests/"


def test_the_menu_shows_staff_only_what_they_may_open(client, charter):
    signed_in(client, member("menu.staff"))

    page = client.get("/desk/").content.decode()

    nav = page.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert unescape(nav).count("고객의 소리") == 1
    assert 'href="/admin/"' not in nav  # no admin rights: no "관리"
    assert 'href="/reports/"' not in nav
    assert 'href="/desk/"' in nav


def test_the_menu_offers_the_admin_to_those_with_rights_there(client, charter):
    admin = UserFactory(username="menu.admin", is_superuser=True)
    signed_in(client, admin)

    nav = client.get("/").content.decode().split("<nav", 1)[1].split("</nav>", 1)[0]

    assert 'href="/admin/"' in nav
    assert 'href="/reports/"' in nav


def test_the_phone_channel_reads_as_a_channel_on_the_request_and_the_dashboard(client, charter):
    admin = UserFactory(username="words.admin", is_superuser=True)
    signed_in(client, admin)
    case = RequestFactory(channel="phone")

    header = text(client.get(f"/desk/requests/{case.pk}/"))
    dashboard = text(client.get("/reports/"))

    assert "· 전화 ·" in header
    assert "전화번호 ·" not in header
    assert " 전화 " in dashboard


def test_reports_name_commitments_by_title_never_by_code(client, charter):
    signed_in(client, UserFactory(username="codes.admin", is_superuser=True))

    for address in ("/reports/", "/reports/monthly/"):
        words = text(client.get(address))
        assert "common.feasibility" not in words, address
        assert not re.search(r"\b[0-9a-f]{12}\b", words), address


def test_the_admin_history_is_korean_and_a_closure_names_the_change(client, charter):
    signed_in(client, UserFactory(username="history.admin", is_superuser=True))
    calendar = Calendar.objects.get(code="kr-public")
    url = f"/admin/commitments/calendar/{calendar.pk}/change/"
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for formset in client.get(url).context["inline_admin_formsets"]:
        fs = formset.formset
        prefix = fs.prefix
        data[f"{prefix}-TOTAL_FORMS"] = str(len(fs.forms))
        data[f"{prefix}-INITIAL_FORMS"] = str(fs.initial_form_count())
        data[f"{prefix}-MIN_NUM_FORMS"] = "0"
        data[f"{prefix}-MAX_NUM_FORMS"] = "1000"
        for i, sub in enumerate(fs.forms):
            for name in sub.fields:
                value = sub[name].value()
                if value is None or value is False:
                    continue
                data[f"{prefix}-{i}-{name}"] = value.pk if hasattr(value, "pk") else value
        if fs.model.__name__ == "Closure":
            last = len(fs.forms) - 1
            data[f"{prefix}-{last}-calendar"] = calendar.pk
            data[f"{prefix}-{last}-day"] = "2031-12-24"
            data[f"{prefix}-{last}-reason"] = "창립 기념일"

    response = client.post(url, data)
    assert response.status_code == 302, response.context and [
        f.errors for f in response.context["inline_admin_formsets"]
    ]

    history = text(client.get(f"/admin/commitments/calendar/{calendar.pk}/history/"))
    assert "휴무 추가: 2031-12-24" in history or "closure" not in history
    assert "2031-12-24" in history
    for english in ("Choose a date", "Changed by", "Change reason", "Date/time", "None"):
        assert english not in history, english
    assert "변경한 사람" in history
