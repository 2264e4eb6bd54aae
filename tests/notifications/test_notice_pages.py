"""The public pages: the homepage with its notices and entries, the suspension notices, the
announcement board and the emergency contact network — readable without an account."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Contact, Service
from notifications.notices.models import SuspensionState
from tests.notifications.notice_factories import (
    PublishedAnnouncementFactory,
    PublishedSuspensionFactory,
)
from tests.seoul import at, kst

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


# --- homepage -------------------------------------------------------------------------------


def test_the_homepage_lists_an_upcoming_suspension_with_its_window_and_the_lead_we_gave(
    client, charter
):
    with at(2026, 9, 27, 9):
        PublishedSuspensionFactory(
            title_en="Network check-up",
            starts_at=kst(2026, 10, 5, 9),
            ends_at=kst(2026, 10, 5, 13),
        )
        page = text(client.get("/en/"))
        korean = text(client.get("/"))

    section = re.search(r'id="upcoming-suspensions".*?</section>', page, re.S).group(0)
    section = re.sub(r"<[^>]+>", "", section)
    assert "Network check-up" in section
    assert "2026-10-05 (Mon) 09:00 ~ 2026-10-05 (Mon) 13:00 KST" in section
    assert "Notice: 8 days before" in section
    assert "2026-10-05 (월요일) 09:00" in korean
    # The charter's table is still there, whole.
    assert len(re.findall(r"<tr data-code=", page)) == 38


def test_the_homepage_shows_current_and_cancelled_notices_but_not_past_or_unpublished_ones(
    client, charter
):
    with at(2026, 10, 5, 10):
        PublishedSuspensionFactory(
            title_en="Running now", starts_at=kst(2026, 10, 5, 9), ends_at=kst(2026, 10, 5, 13)
        )
        PublishedSuspensionFactory(
            title_en="Called off",
            state=SuspensionState.CANCELLED,
            starts_at=kst(2026, 10, 9, 9),
            ends_at=kst(2026, 10, 9, 13),
        )
        PublishedSuspensionFactory(
            title_en="Long over", starts_at=kst(2026, 9, 1, 9), ends_at=kst(2026, 9, 1, 13)
        )
        PublishedSuspensionFactory(
            title_en="Not yet published",
            published_at=None,
            notified_at=None,
            state=SuspensionState.PLANNED,
        )
        page = text(client.get("/en/"))
        notices_page = text(client.get("/en/notices/suspensions/"))

    section = re.search(r'id="upcoming-suspensions".*?</section>', page, re.S).group(0)
    assert "Running now" in section
    assert "Under way" in section
    assert "Called off" in section
    assert "Cancelled" in section
    assert "Long over" not in section
    assert "Not yet published" not in page
    past = re.search(r'id="past-suspensions".*?</section>', notices_page, re.S).group(0)
    assert "Long over" in past
    assert "Running now" not in past


def test_a_notice_is_shown_escaped_never_run(client, charter):
    PublishedSuspensionFactory(title_ko="<script>alert(1)</script> 점검", body_ko="<b>굵게</b>")

    raw = client.get("/").content.decode()

    assert "<script>alert(1)</script>" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 점검" in raw


def test_the_homepage_queries_do_not_grow_with_the_notices(client, charter):
    PublishedSuspensionFactory()
    PublishedAnnouncementFactory()
    before = queries(client, "/")
    for _ in range(4):
        PublishedSuspensionFactory(services=list(Service.objects.all()[:3]))
        PublishedAnnouncementFactory()

    assert queries(client, "/") == before


def test_the_homepage_offers_every_thing_a_customer_comes_to_do(client, charter):
    page = client.get("/en/").content.decode()

    found = {name: url for url, name in re.findall(r'href="([^"]+)" data-entry="([^"]+)"', page)}
    assert found == {
        "public:complaint": "/en/complaint/",
        "public:track": "/en/track/",
        "public:my-cases": "/en/my-cases/",
        "public:commend": "/en/commend/",
        "surveys:results": "/en/surveys/results/",
        "scorecard": "/en/charter/scorecard/",
        "notices:emergency-contacts": "/en/emergency-contacts/",
    }


def test_the_homepage_shows_the_latest_announcements(client, charter):
    with at(2026, 10, 1, 10):
        PublishedAnnouncementFactory(title_en="Older spec")
    with at(2026, 10, 2, 10):
        PublishedAnnouncementFactory(title_en="Newer spec")
        PublishedAnnouncementFactory(title_en="Draft spec", published_at=None)
        page = text(client.get("/en/"))

    section = re.search(r'id="latest-announcements".*?</section>', page, re.S).group(0)
    assert section.index("Newer spec") < section.index("Older spec")
    assert "Draft spec" not in section


# --- notices --------------------------------------------------------------------------------


def test_a_public_notice_page_shows_the_notice_and_an_unpublished_one_is_not_found(client, charter):
    notice = PublishedSuspensionFactory(title_en="Network check-up", body_en="Bring coffee.")
    draft = PublishedSuspensionFactory(published_at=None, state=SuspensionState.PLANNED)

    response = client.get(f"/en/notices/suspensions/{notice.pk}/")

    assert response.status_code == 200
    assert "Bring coffee." in text(response)
    assert client.get(f"/en/notices/suspensions/{draft.pk}/").status_code == 404


def test_past_notices_are_paginated_latest_first_in_constant_queries(client, charter):
    with at(2026, 11, 1, 10):
        for day in range(1, 4):
            PublishedSuspensionFactory(
                title_en=f"Past {day}",
                starts_at=kst(2026, 10, day, 9),
                ends_at=kst(2026, 10, day, 10),
            )
        few = queries(client, "/en/notices/suspensions/")
        for day in range(4, 26):
            PublishedSuspensionFactory(
                title_en=f"Past {day}",
                starts_at=kst(2026, 10, day, 9),
                ends_at=kst(2026, 10, day, 10),
            )
        many = queries(client, "/en/notices/suspensions/")
        first = text(client.get("/en/notices/suspensions/"))
        second = text(client.get("/en/notices/suspensions/?page=2"))

    assert many == few
    assert first.index("Past 25") < first.index("Past 24")
    assert "Past 6" in first
    assert "Past 5" not in first
    assert "Past 5" in second
    assert client.get("/en/notices/suspensions/?page=oops").status_code == 200


# --- announcement board ---------------------------------------------------------------------


def test_the_board_lists_published_announcements_newest_first_paginated(client, charter):
    for n in range(22):
        with at(2026, 10, 1, 9, n):
            PublishedAnnouncementFactory(title_en=f"Spec {n:02d}")
    PublishedAnnouncementFactory(title_en="Unpublished spec", published_at=None)

    first = text(client.get("/en/notices/announcements/"))
    second = text(client.get("/en/notices/announcements/?page=2"))

    titles = re.findall(r"Spec \d\d", first)
    assert titles[:3] == ["Spec 21", "Spec 20", "Spec 19"]
    assert len(titles) == 20
    assert re.findall(r"Spec \d\d", second) == ["Spec 01", "Spec 00"]
    assert "Unpublished spec" not in first + second


def test_the_board_queries_do_not_grow_with_the_announcements(client, charter):
    PublishedAnnouncementFactory()
    before = queries(client, "/notices/announcements/")
    for _ in range(10):
        PublishedAnnouncementFactory()

    assert queries(client, "/notices/announcements/") == before


def test_an_announcement_page_is_public_and_a_draft_is_not_found(client, charter):
    published = PublishedAnnouncementFactory(body_ko="필드 <추가> 안내")
    draft = PublishedAnnouncementFactory(published_at=None)

    response = client.get(f"/notices/announcements/{published.pk}/")

    assert response.status_code == 200
    assert "필드 &lt;추가&gt; 안내" in response.content.decode()
    assert client.get(f"/notices/announcements/{draft.pk}/").status_code == 404
    assert client.get("/notices/announcements/999999/").status_code == 404


# --- emergency contact network --------------------------------------------------------------


def contact_ids(client) -> set[int]:
    page = client.get("/en/emergency-contacts/").content.decode()
    return {int(pk) for pk in re.findall(r'data-contact="(\d+)"', page)}


def test_the_emergency_page_lists_only_on_call_contacts_effective_today(client, charter):
    network = Service.objects.get(code="network")
    with at(2026, 11, 7, 23):  # a Saturday night
        on_call_today = set(
            Contact.objects.effective_on(date(2026, 11, 7))
            .filter(on_call=True)
            .values_list("pk", flat=True)
        )
        ended = Contact.objects.create(
            service=network,
            name="Ended Yesterday",
            phone="02-0000-9001",
            email="ended@example.com",
            on_call=True,
            effective_from=date(2026, 1, 1),
            effective_until=date(2026, 11, 6),
        )
        future = Contact.objects.create(
            service=network,
            name="Starts Tomorrow",
            phone="02-0000-9002",
            email="future@example.com",
            on_call=True,
            effective_from=date(2026, 11, 8),
        )
        shown = contact_ids(client)

    assert on_call_today
    assert shown == on_call_today
    assert ended.pk not in shown
    assert future.pk not in shown


def test_the_emergency_page_follows_the_table_as_admins_edit_it(client, charter):
    network = Service.objects.get(code="network")
    primary = network.contacts.get(role="primary")
    with at(2026, 11, 7, 23):
        assert primary.pk not in contact_ids(client)
        Contact.objects.filter(pk=primary.pk).update(on_call=True, phone="02-0000-7777")
        page = text(client.get("/en/emergency-contacts/"))
        assert primary.pk in contact_ids(client)
        assert "02-0000-7777" in page
        Contact.objects.filter(pk=primary.pk).update(effective_until=date(2026, 11, 6))
        assert primary.pk not in contact_ids(client)


def test_the_emergency_page_shows_the_representative_number_when_no_one_is_on_call(client, charter):
    Contact.objects.filter(service__code="powerbase").update(on_call=False)

    page = client.get("/en/emergency-contacts/").content.decode()

    row = re.search(r'<tr data-service="powerbase">.*?</tr>', page, re.S).group(0)
    assert "02-0000-2300" in row
    assert "No on-call contact" in row


def test_the_emergency_page_queries_do_not_grow_with_the_contacts(client, charter):
    before = queries(client, "/emergency-contacts/")
    for service in Service.objects.all():
        for n in range(3):
            Contact.objects.create(
                service=service,
                name=f"On call {n}",
                phone="02-0000-9100",
                email=f"{service.code}.{n}@example.com",
                on_call=True,
                effective_from=date(2020, 1, 1) + timedelta(days=n),
            )

    assert queries(client, "/emergency-contacts/") == before


def test_admins_read_the_notices_in_the_admin_but_do_not_edit_them_there(admin_client, charter):
    plan = PublishedSuspensionFactory(title_ko="관리자 화면의 공지")
    announcement = PublishedAnnouncementFactory()

    listing = admin_client.get("/admin/notifications/suspensionplan/")
    page = admin_client.get(f"/admin/notifications/suspensionplan/{plan.pk}/change/")

    assert listing.status_code == 200
    assert "관리자 화면의 공지" in text(listing)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.get("/admin/notifications/suspensionplan/add/").status_code == 403
    assert (
        admin_client.get(f"/admin/notifications/announcement/{announcement.pk}/change/").status_code
        == 200
    )
