"""The consent text's promise: three years after a homepage case is closed, the customer's
personal data is destroyed, and the charter's figures stay."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from commitments.models import Deadline
from requests_desk import cases
from requests_desk.homepage.services.retention import ANONYMOUS
from requests_desk.models import Activity, Attachment, CustomerContact, Request
from requests_desk.tasks import purge_personal_data
from tests.factories import UserFactory
from tests.requests_desk.public.support import COMPLAINT, PDF, complaint_data
from tests.seoul import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("charter")]


@pytest.fixture
def staff():
    from commitments.models import Team

    user = UserFactory(username="infra.staff")
    Team.objects.get(code="net-support").members.add(user)
    return user


def file_and_close(client, staff, *, email="hong@example.com", closed=(2026, 12, 4, 10)):
    attachment = SimpleUploadedFile("log.pdf", PDF, content_type="application/pdf")
    with at(2026, 12, 2, 10):
        client.post(COMPLAINT, complaint_data(email=email, attachment=attachment))
    case = Request.objects.get(customer__email=email)
    with at(2026, 12, 3, 10):
        cases.request_communicate(
            case, actor=staff, purpose="result", channel="email", summary="해결했습니다."
        )
    with at(*closed):
        cases.request_set_status(case, actor=staff, status="closed")
    return case


def test_three_years_after_closing_the_customer_data_is_destroyed_and_the_figures_stay(
    client, staff, capsys, django_capture_on_commit_callbacks
):
    case = file_and_close(client, staff)
    stored = Attachment.objects.get(request=case)
    path = stored.file.path
    clocks = list(Deadline.objects.filter(subject_id=str(case.pk)).values_list("state", "due_at"))

    with at(2029, 12, 3, 10):  # not yet three years
        call_command("purge_personal_data")
    assert Attachment.objects.filter(request=case).exists()

    with at(2029, 12, 5, 10):
        call_command("purge_personal_data", "--dry-run")
        assert "1 cases, 1 attachments, 1 contacts" in capsys.readouterr().out
        assert Attachment.objects.filter(request=case).exists()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("purge_personal_data")

    case.refresh_from_db()
    contact = CustomerContact.objects.get(pk=case.customer_id)
    assert (contact.name, contact.email, contact.phone) == (ANONYMOUS, "", "")
    assert case.body == ""
    assert not Attachment.objects.filter(request=case).exists()
    assert not os.path.exists(path)
    # What we told the customer and the clocks stay: the charter's figures do not change.
    assert Activity.objects.filter(request=case, text="해결했습니다.").exists()
    assert case.subject == "시세 수신이 지연됩니다"
    after = list(Deadline.objects.filter(subject_id=str(case.pk)).values_list("state", "due_at"))
    assert after == clocks
    with at(2029, 12, 6, 10):
        assert purge_personal_data() == 0  # a second pass finds nothing left


def test_a_customer_with_a_newer_case_keeps_their_contact_details(client, staff):
    old = file_and_close(client, staff)
    with at(2029, 11, 1, 10):
        client.post(COMPLAINT, complaint_data(subject="또 문의드립니다"))

    with at(2029, 12, 5, 10):
        call_command("purge_personal_data")

    old.refresh_from_db()
    contact = CustomerContact.objects.get(pk=old.customer_id)
    assert contact.email == "hong@example.com"
    assert old.body == ""  # the old case's own text is still destroyed
    assert not Attachment.objects.filter(request=old).exists()


def test_old_commendations_lose_the_nominator_and_keep_the_praise():
    from requests_desk.models import Commendation
    from tests.requests_desk.voice_factories import CommendationFactory

    with at(2026, 1, 5, 10):
        old = CommendationFactory()
    with at(2028, 6, 1, 10):
        recent = CommendationFactory()

    with at(2029, 1, 10, 10):
        call_command("purge_personal_data")

    old, recent = Commendation.objects.get(pk=old.pk), Commendation.objects.get(pk=recent.pk)
    assert (old.nominator_name, old.nominator_email, old.nominator_organisation) == (
        ANONYMOUS,
        "",
        "",
    )
    assert old.reason == "장애 대응 중 끝까지 친절하게 안내해 주셨습니다."
    assert recent.nominator_email == "seoyeon@example.com"
