"""The request page's cost does not grow with the data, and its empty action forms, rendered
once per process, still show what the request is now."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import update_last_login
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from commitments.models import Deadline, Team
from requests_desk import cases
from requests_desk.cases.attachments import CheckedFile, attachment_check
from requests_desk.cases.merge import request_merge
from requests_desk.models import Attachment, CannedReply, PhoneCall
from tests.factories import CustomerContactFactory, PhoneCallFactory, UserFactory
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.views_support import signed_in_member
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("korean")]


@pytest.fixture(autouse=True)
def _wednesday():
    with at(2026, 11, 25, 10, 0):
        yield


@pytest.fixture
def staff(client, charter):
    return signed_in_member(client, "desk.page")


def page_queries(client, case) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/desk/requests/{case.pk}/")
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_request_page_runs_the_same_queries_with_5_or_50_requests_and_notes(client, staff):
    case = new_request(staff)
    for _index in range(4):
        new_request(staff)
    client.get(f"/desk/requests/{case.pk}/")
    few = page_queries(client, case)
    for _index in range(45):
        new_request(staff)
    for index in range(10):
        cases.request_add_note(case, actor=staff, text=f"note {index}")

    many = page_queries(client, case)

    assert many == few
    # 24 in the performance work; since the merge each addition is per page, never per row or
    # note: the two-factor device read and the session saved for the idle timeout (issue 15, 1 + 3
    # statements), the personal-data read logged (15), the homepage's "details given on this
    # case" (13), the canned replies offered (13, read once for the form and the script), the
    # timeline's attachments (13) and the menu's role checks (16: groups, "heads or manages").
    # The merged duplicates' rows are a join and a subquery, the user's divisions read once,
    # with "heads or manages" in the same query.
    assert many <= 28


def test_with_the_catalogue_remembered_the_page_reads_no_division_team_service_or_reply(
    client, staff, django_capture_on_commit_callbacks
):
    case = new_request(staff)
    CannedReply.objects.create(title="접수 안내", language="ko", body="{tracking_code}")
    cases.request_transfer(
        case, actor=staff, to_team=Team.objects.get(code="net-support"), handoff_note="yours"
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.get(f"/desk/requests/{case.pk}/")  # remembered, as between views

    with CaptureQueriesContext(connection) as captured:
        page = client.get(f"/desk/requests/{case.pk}/").content.decode()

    read = " ".join(query["sql"] for query in captured.captured_queries)
    # Their rows' own columns: a join or query that reads them (nor the people offered,
    # remembered with them).
    for table in ("commitments_division", "commitments_team", "commitments_service"):
        assert f'"{table}"."name_ko"' not in read, table
    assert "requests_desk_cannedreply" not in read
    # What they said is still there: the division, team and hand-off's team, the reply.
    assert case.division.name in page
    assert "접수 안내" in page
    assert page.count(Team.objects.get(code="net-support").name) >= 2


PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


def a_pdf(name: str) -> CheckedFile:
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return CheckedFile(upload=upload, kind=attachment_check(upload))


def more_of_everything(case, staff, index: int) -> None:
    """One more of each thing the page lists: a note with a file, a hand-off, a call owing a
    call-back, a merged duplicate (its clocks, their events and its lines), a customer told."""
    cases.request_add_note(case, actor=staff, text=f"note {index}", files=[a_pdf(f"{index}.pdf")])
    cases.request_transfer(
        case,
        actor=staff,
        to_team=Team.objects.get(code="net-support"),
        handoff_note=f"hand-off {index}",
    )
    PhoneCallFactory(request=case, division=case.division, person_absent=True, team=case.team)
    duplicate = new_request(
        staff, customer=CustomerContactFactory(organisation=case.customer.organisation)
    )
    case.refresh_from_db()
    request_merge(case, actor=staff, absorbed=duplicate)
    cases.request_communicate(
        case, actor=staff, purpose="progress", channel="phone", summary=f"told {index}"
    )
    case.refresh_from_db()


def test_the_request_page_runs_the_same_queries_with_one_or_many_of_everything(client, staff):
    case = new_request(staff)
    more_of_everything(case, staff, 0)
    client.get(f"/desk/requests/{case.pk}/")
    few = page_queries(client, case)
    for index in range(1, 6):
        more_of_everything(case, staff, index)
    # Clocks of its own too: the promised dates start the progress and date-driven clocks.
    cases.request_update(
        case, actor=staff, expected_completion=date(2027, 3, 31), requested_due=date(2027, 2, 1)
    )
    # Seen once as it is now, as "few" was: its empty forms are kept per process, and this
    # test's transaction never commits the catalogue they offer into the process's memory.
    client.get(f"/desk/requests/{case.pk}/")

    many = page_queries(client, case)
    page = client.get(f"/desk/requests/{case.pk}/").content.decode()

    family = [case.pk, *case.absorbed.values_list("pk", flat=True)]
    assert Deadline.objects.filter(subject_id__in=[str(pk) for pk in family]).count() >= 9
    assert PhoneCall.objects.filter(request=case, callback_at__isnull=True).count() == 6
    assert many == few
    # Every note's file is on its timeline line and in the request's files; the latest
    # hand-off is the one shown first.
    assert page.count('class="small list-unstyled mb-0 timeline-files"') == 6
    for file in Attachment.objects.filter(request=case):
        assert page.count(f"/desk/requests/{case.pk}/attachments/{file.pk}/") == 2
    assert "hand-off 5" in page[: page.index('id="timeline"')]
    assert page.count('class="alert alert-warning callback-owed"') == 6


def test_a_request_that_absorbed_none_is_read_by_its_id_and_one_that_did_with_its_family(
    client, staff
):
    case = new_request(staff)
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/desk/requests/{case.pk}/")
    read = " ".join(query["sql"] for query in captured.captured_queries)
    # Its lines, files and clocks are looked up by its own id: no statement asks for the
    # requests merged into it but the request's own ("has it absorbed any?").
    assert f'"merged_into_id" = {case.pk}' not in read
    assert read.count('"merged_into_id" = ("requests_desk_request"."id")') == 1

    duplicate = new_request(
        staff, customer=CustomerContactFactory(organisation=case.customer.organisation)
    )
    cases.request_add_note(
        duplicate, actor=staff, text="note on the duplicate", files=[a_pdf("d.pdf")]
    )
    request_merge(case, actor=staff, absorbed=duplicate)
    page = client.get(f"/desk/requests/{case.pk}/").content.decode()

    timeline = page[page.index('id="timeline"') :]
    assert "note on the duplicate" in timeline
    # Its lines are marked with its tracking code.
    badge = 'class="badge text-bg-secondary timeline-origin"'
    assert duplicate.tracking_code in timeline[timeline.index(badge) :][:200]
    file = Attachment.objects.get(request=duplicate)
    assert page.count(f"/desk/requests/{case.pk}/attachments/{file.pk}/") == 2
    download = client.get(f"/desk/requests/{case.pk}/attachments/{file.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


#: The statement that reads who a request can be handed to.
PEOPLE_READ = 'SELECT DISTINCT "auth_user"."id", "auth_user"."username"'


def transfer_people(html: str) -> list[str]:
    form = html[html.index('id="action-transfer"') :]
    form = form[: form.index("</details>")]
    return re.findall(r'<option value="user:\d+"[^>]*>([^<]+)</option>', form)


def test_the_people_offered_are_remembered_until_a_person_or_a_team_changes(
    client, staff, django_capture_on_commit_callbacks
):
    case = new_request(staff)
    page = f"/desk/requests/{case.pk}/"

    def seen() -> tuple[list[str], str]:
        # Each view's reads committed, as between requests: what it read is remembered.
        with (
            django_capture_on_commit_callbacks(execute=True),
            CaptureQueriesContext(connection) as captured,
        ):
            html = client.get(page).content.decode()
        return transfer_people(html), " ".join(q["sql"] for q in captured.captured_queries)

    offered, _read = seen()
    assert staff.username in " ".join(offered)
    offered_again, read = seen()
    assert offered_again == offered
    assert PEOPLE_READ not in read  # remembered: nobody read again

    # A new person is in no team yet: nothing to forget.
    newcomer = UserFactory(username="newcomer", first_name="새", last_name="사람")
    offered, read = seen()
    assert PEOPLE_READ not in read
    assert not any("newcomer" in label for label in offered)
    case.team.members.add(newcomer)
    offered, read = seen()
    assert PEOPLE_READ in read
    assert any("newcomer" in label for label in offered)

    # A sign-in saves the last login only: nothing is forgotten.
    update_last_login(None, newcomer)
    _offered, read = seen()
    assert PEOPLE_READ not in read

    # Nor does a saved field no list shows (an e-mail address).
    newcomer.email = "new@example.com"
    newcomer.save(update_fields=["email"])
    _offered, read = seen()
    assert PEOPLE_READ not in read

    newcomer.first_name = "헌"
    newcomer.save(update_fields=["first_name"])
    offered, _read = seen()
    assert any(label.startswith("헌") and "newcomer" in label for label in offered)

    case.team.members.remove(newcomer)
    offered, _read = seen()
    assert not any("newcomer" in label for label in offered)
    case.team.members.add(newcomer)
    seen()

    newcomer.is_active = False
    newcomer.save()
    offered, _read = seen()
    assert not any("newcomer" in label for label in offered)


def status_options(html: str) -> list[str]:
    form = html[html.index('id="action-status"') :]
    form = form[: form.index("</details>")]
    return re.findall(r'<option value="([a-z_]+)"', form)


def test_the_action_forms_follow_the_request_after_they_were_remembered(client, staff):
    case = new_request(staff)
    first = client.get(f"/desk/requests/{case.pk}/").content.decode()
    again = client.get(f"/desk/requests/{case.pk}/").content.decode()
    cases.request_set_status(case, actor=staff, status="in_progress")

    changed = client.get(f"/desk/requests/{case.pk}/").content.decode()

    assert status_options(first) == status_options(again)
    assert status_options(changed) != status_options(first)
    assert "in_progress" not in status_options(changed)
