""" "My cases": a one-time sign-in link e-mailed to the address lists every case filed with it.
No password, no enumeration: the same answer whether or not the address has cases."""

import hashlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.delivery import deliver_due
from notifications.models import Notification
from requests_desk import cases
from requests_desk.models import CaseListLink
from tests.factories import CustomerContactFactory
from tests.requests_desk.desk_support import member_of, new_request
from tests.requests_desk.public.support import text, without_tokens
from tests.seoul import at, kst

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]

ASK = "/my-cases/"
LIST = "/my-cases/list/"


@pytest.fixture
def staff():
    return member_of("net-support", "mycases.staff")


@pytest.fixture
def customer():
    return CustomerContactFactory(name="홍길동", email="hong@example.com")


@pytest.fixture
def two_cases(staff, customer):
    """An open case received Wed 23 Sep 2026 15:00 KST — its feasibility answer is due after
    one business day (9 h): 3 h on Wednesday, Chuseok Thu-Fri, the weekend, 6 h on Monday →
    Mon 28 Sep 15:00 KST — and an older case, closed."""
    with at(2026, 9, 21, 10, 0):
        old = new_request(staff, customer=customer, subject="Old question")
        cases.request_set_status(old, actor=staff, status="closed")
    with at(2026, 9, 23, 15, 0):
        current = new_request(staff, customer=customer, subject="Settlement screen change")
    return current, old


def ask(client, email="hong@example.com"):
    return client.post(ASK, {"email": email})


def link_in(body: str) -> str:
    return re.search(r"(/my-cases/sign-in/[^/\s]+/)", body).group(1)


def test_the_link_is_mailed_and_lists_every_case_with_status_and_next_answer_due(
    client, two_cases, smtp
):
    current, old = two_cases

    with at(2026, 9, 23, 16, 0):
        response = ask(client)
        deliver_due(now=kst(2026, 9, 23, 16, 0, 1))
        mails = smtp.wait_for(1, timeout=10)
    assert response.status_code == 200
    [mail] = [
        m for m in mails if "/my-cases/sign-in/" in m.message.get_body(("plain",)).get_content()
    ]
    assert mail.recipients == ("hong@example.com",)
    link = link_in(mail.message.get_body(("plain",)).get_content())

    with at(2026, 9, 23, 16, 10):
        shown = client.get(link)
        signed_in = client.post(link)
        page = text(client.get(LIST))

    assert shown.status_code == 200
    assert signed_in.status_code == 302
    assert signed_in["Location"] == LIST
    assert f'data-code="{current.tracking_code}" data-status="new"' in page
    assert f'data-code="{old.tracking_code}" data-status="closed"' in page
    assert '<time datetime="2026-09-28T15:00:00+09:00">' in page


def test_an_address_without_cases_gets_the_same_answer_and_no_mail(client, two_cases):
    with at(2026, 9, 23, 16, 0):
        known = without_tokens(ask(client, "hong@example.com")).replace("hong@", "X@")
        unknown = without_tokens(ask(client, "nobody@example.com")).replace("nobody@", "X@")

    assert known == unknown
    assert CaseListLink.objects.filter(email="hong@example.com").count() == 1
    assert not CaseListLink.objects.filter(email="nobody@example.com").exists()
    assert not Notification.objects.filter(recipient="nobody@example.com").exists()


def test_only_a_digest_of_the_token_is_kept(client, two_cases):
    with at(2026, 9, 23, 16, 0):
        ask(client)
    body = Notification.objects.get(recipient="hong@example.com", step="message").body
    token = link_in(body).rstrip("/").rsplit("/", 1)[1]

    stored = CaseListLink.objects.get()
    assert stored.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(CaseListLink.objects.values_list()))


def sent_link(client) -> str:
    ask(client)
    return link_in(Notification.objects.filter(recipient="hong@example.com").latest("pk").body)


def test_the_link_works_once(client, two_cases):
    with at(2026, 9, 23, 16, 0):
        link = sent_link(client)
        first = client.post(link)
        again = client.post(link)
        shown_again = client.get(link)

    assert first.status_code == 302
    assert again.status_code == 410
    assert shown_again.status_code == 410
    assert "link-closed" in text(again)


def test_the_link_expires_after_thirty_minutes(client, two_cases):
    with at(2026, 9, 23, 16, 0):
        link = sent_link(client)
    with at(2026, 9, 23, 16, 30):  # 16:00 + 30 min: expired at that instant
        late = client.post(link)
    assert late.status_code == 410

    with at(2026, 9, 23, 17, 0):
        link = sent_link(client)
    with at(2026, 9, 23, 17, 29):
        in_time = client.post(link)
    assert in_time.status_code == 302


def test_an_unknown_link_is_a_404_and_the_list_needs_a_sign_in(client, two_cases):
    assert client.get("/my-cases/sign-in/not-a-token/").status_code == 404
    response = client.get(LIST)
    assert response.status_code == 302
    assert response["Location"] == ASK


def test_a_case_opens_on_the_tracking_page_from_the_list(client, two_cases):
    current, _old = two_cases
    with at(2026, 9, 23, 16, 0):
        client.post(sent_link(client))
        opened = client.post(f"/my-cases/open/{current.tracking_code}/")
        page = text(client.get(opened["Location"]))

    assert opened["Location"] == f"/track/{current.tracking_code}/"
    assert "Settlement screen change" in page


def test_another_addresss_case_does_not_open(client, two_cases, staff):
    stranger = new_request(staff, customer=CustomerContactFactory(email="lee@example.com"))
    with at(2026, 9, 23, 16, 0):
        client.post(sent_link(client))
        response = client.post(f"/my-cases/open/{stranger.tracking_code}/")

    assert response.status_code == 404


def test_asking_is_limited_like_the_other_look_ups(client, two_cases, settings):
    settings.CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR = 3
    with at(2026, 9, 23, 16, 0):
        answers = [ask(client, f"n{i}@example.com").status_code for i in range(4)]
        refused = ask(client, "hong@example.com")

    assert answers == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not CaseListLink.objects.exists()


def test_a_bad_address_is_a_form_error(client, two_cases):
    response = ask(client, "not an address")

    assert response.status_code == 400
    assert "not an address" in text(response)


def test_the_list_runs_the_same_queries_for_two_cases_as_for_ten(client, staff, customer):
    with at(2026, 9, 23, 15, 0):
        for i in range(2):
            new_request(staff, customer=customer, subject=f"Case {i}")
        client.post(sent_link(client))
        with CaptureQueriesContext(connection) as two:
            client.get(LIST)
        for i in range(8):
            new_request(staff, customer=customer, subject=f"More {i}")
        with CaptureQueriesContext(connection) as ten:
            page = text(client.get(LIST))

    assert page.count("data-code=") == 10
    assert len(ten.captured_queries) == len(two.captured_queries)
