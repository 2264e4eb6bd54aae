"""The satisfaction survey: a one-time link when a case is resolved (not twice within the
resend window), its public page (single use, expiry, bad scores), and phone-monitoring scores."""

import hashlib
import re

import pytest
from django.test import Client, override_settings

from notifications.models import Notification
from requests_desk import cases
from requests_desk.models.voice import SurveyInvitation, SurveyResponse
from tests.factories import CustomerContactFactory, PhoneCallFactory
from tests.requests_desk.desk_support import new_request
from tests.requests_desk.views_support import text
from tests.requests_desk.voice_factories import SubmissionFactory, infrastructure, voice_people
from tests.seoul import at

pytestmark = pytest.mark.usefixtures("korean")
LINK = re.compile(r"https://charter\.example\.com(/(?:en/)?surveys/([A-Za-z0-9_-]+)/)")


@pytest.fixture
def people(charter):
    return voice_people()


@pytest.fixture(autouse=True)
def site():
    """Tue 2026-09-01 10:00 KST, the day the cases below are resolved (links last 30 days)."""
    with override_settings(SITE_URL="https://charter.example.com"), at(2026, 9, 1, 10):
        yield


def resolve(case, actor):
    cases.request_set_status(case, actor=actor, status="resolved")


def invitation_link(case) -> tuple[str, str]:
    """The path and the token e-mailed for ``case``'s latest invitation."""
    invitation = case.survey_invitations.order_by("-created_at").first()
    message = Notification.objects.get(idempotency_key=f"survey-invitation:{invitation.pk}")
    path, token = LINK.search(message.body).groups()
    return path, token


@pytest.fixture
def resolved(people):
    case = new_request(people["staff"], customer=CustomerContactFactory(email="c@example.com"))
    resolve(case, people["staff"])
    return case


# --- the invitation -------------------------------------------------------------------------


def test_resolving_a_case_e_mails_a_one_time_link_of_which_only_a_digest_is_kept(people, resolved):
    invitation = SurveyInvitation.objects.get(request=resolved)
    message = Notification.objects.get(idempotency_key=f"survey-invitation:{invitation.pk}")
    path, token = invitation_link(resolved)

    assert message.recipient == "c@example.com"
    assert message.channel == "email"
    assert message.language == "ko"
    assert path == f"/surveys/{token}/"
    assert len(token) >= 40
    assert invitation.token_digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_digest
    assert invitation.sent_to == "c@example.com"
    # 30 days from Tue 2026-09-01 10:00 KST, shown in Seoul time.
    assert invitation.expires_at.isoformat() == "2026-10-01T01:00:00+00:00"
    assert "2026-10-01 10:00 KST" in message.body


def test_a_customer_who_wrote_in_english_gets_an_english_link(people):
    submission = SubmissionFactory(language="en", request__customer__email="en@example.com")
    case = submission.request

    resolve(case, people["staff"])

    path, _token = invitation_link(case)
    assert path.startswith("/en/surveys/")
    message = Notification.objects.get(idempotency_key__startswith="survey-invitation:")
    assert message.language == "en"
    assert message.subject.startswith("[Satisfaction survey]")


def test_a_case_reopened_and_resolved_again_soon_is_not_asked_twice(people, resolved):
    with at(2026, 9, 2, 10):
        cases.request_set_status(resolved, actor=people["staff"], status="in_progress")
        resolve(resolved, people["staff"])

    assert resolved.survey_invitations.count() == 1
    assert (
        Notification.objects.filter(idempotency_key__startswith="survey-invitation:").count() == 1
    )


def test_a_case_resolved_again_after_the_resend_window_is_asked_again(people, resolved):
    with at(2026, 10, 2, 10):
        cases.request_set_status(resolved, actor=people["staff"], status="in_progress")
        resolve(resolved, people["staff"])

    assert resolved.survey_invitations.count() == 2


def test_no_link_without_an_e_mail_address_nor_for_a_case_closed_unresolved(people):
    silent = new_request(people["staff"], customer=CustomerContactFactory(email=""))
    resolve(silent, people["staff"])
    closed = new_request(people["staff"])
    cases.request_set_status(closed, actor=people["staff"], status="closed")

    assert not SurveyInvitation.objects.exists()


# --- the answer page ------------------------------------------------------------------------


def test_the_customer_rates_once_and_a_second_visit_says_the_link_was_used(
    client, people, resolved
):
    path, _token = invitation_link(resolved)

    page = client.get(path)
    assert page.status_code == 200
    assert resolved.tracking_code in text(page)
    assert page["Cache-Control"].startswith("max-age=0")

    answered = client.post(path, {"score": "4", "comment": "빠르게 처리해 주셨습니다 <b>감사</b>"})
    assert answered.status_code == 200
    assert 'id="survey-thanks"' in text(answered)
    response = SurveyResponse.objects.get()
    assert (response.source, response.score) == ("customer", 4)
    assert response.comment == "빠르게 처리해 주셨습니다 <b>감사</b>"
    assert response.division == resolved.division
    assert response.team == resolved.team
    assert response.request == resolved

    again = Client().get(f"/en{path}")
    assert again.status_code == 410
    assert "already been used" in text(again)
    assert Client().post(path, {"score": "1"}).status_code == 410
    assert SurveyResponse.objects.count() == 1


def test_an_expired_link_is_gone(client, resolved):
    path, _token = invitation_link(resolved)

    with at(2026, 10, 1, 10, 0, 1):
        response = client.get(f"/en{path}")
        posted = client.post(path, {"score": "5"})

    assert response.status_code == 410
    assert "expired on 2026-10-01" in text(response)
    assert posted.status_code == 410
    assert not SurveyResponse.objects.exists()


def test_the_link_still_works_just_before_it_expires(client, resolved):
    path, _token = invitation_link(resolved)
    with at(2026, 10, 1, 9, 59):
        assert client.post(path, {"score": "5"}).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300, "%F0%9F%98%80", "%00abc"])
def test_an_unknown_link_is_404(client, charter, token):
    response = client.get(f"/en/surveys/{token}/")
    assert response.status_code == 404
    assert "not valid" in text(response)


@pytest.mark.parametrize("score", ["", "0", "6", "3.5", "abc", "<script>", "1\x00"])
def test_a_bad_score_is_a_form_error_and_the_comment_is_kept(client, resolved, score):
    path, _token = invitation_link(resolved)

    response = client.post(f"/en{path}", {"score": score, "comment": "코멘트 😀 mixed 텍스트"})

    assert response.status_code == 400
    page = text(response)
    assert "Choose a score from 1 to 5." in page
    assert 'href="#id_score_0"' in page
    assert "코멘트 😀 mixed 텍스트" in page
    assert not SurveyResponse.objects.exists()
    assert client.get(path).status_code == 200  # the link is not spent


def test_an_oversized_comment_is_a_form_error(client, resolved):
    path, _token = invitation_link(resolved)
    response = client.post(path, {"score": "3", "comment": "가" * 2001})
    assert response.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_the_survey_form_needs_its_csrf_token(resolved):
    path, _token = invitation_link(resolved)
    assert Client(enforce_csrf_checks=True).post(path, {"score": "5"}).status_code == 403


def test_the_page_has_labels_for_every_choice(client, resolved):
    path, _token = invitation_link(resolved)
    page = text(client.get(path))
    for n in range(5):
        assert f'for="id_score_{n}"' in page
    assert 'for="id_comment"' in page
    assert "<legend" in page


# --- phone monitoring -----------------------------------------------------------------------


def test_staff_record_a_phone_monitoring_score_for_a_logged_call(client, people):
    call = PhoneCallFactory(division=infrastructure())
    client.force_login(people["staff"])

    response = client.post(
        "/desk/voice/phone-scores/",
        {
            "division": infrastructure().pk,
            "call": call.pk,
            "score": "2",
            "comment": "인사 누락",
        },
    )

    assert response.status_code == 302
    score = SurveyResponse.objects.get()
    assert (score.source, score.score, score.call, score.recorded_by) == (
        "phone_monitoring",
        2,
        call,
        people["staff"],
    )
    assert score.request == call.request
    assert "인사 누락" in text(client.get("/desk/voice/phone-scores/"))


def test_a_phone_score_outside_ones_divisions_or_for_a_call_elsewhere_is_refused(client, people):
    market = people["market_manager"].managed_teams.get().division
    elsewhere = PhoneCallFactory(division=market)
    client.force_login(people["staff"])

    other_division = client.post("/desk/voice/phone-scores/", {"division": market.pk, "score": "3"})
    other_call = client.post(
        "/en/desk/voice/phone-scores/",
        {"division": infrastructure().pk, "call": elsewhere.pk, "score": "3", "comment": "kept"},
    )
    bad_score = client.post(
        "/desk/voice/phone-scores/", {"division": infrastructure().pk, "score": "9"}
    )

    assert other_division.status_code == 400
    assert other_call.status_code == 400
    assert "another division" in text(other_call)
    assert "kept" in text(other_call)
    assert bad_score.status_code == 400
    assert not SurveyResponse.objects.exists()


def test_people_outside_the_desk_cannot_record_scores(client, charter):
    assert client.get("/desk/voice/phone-scores/").status_code == 302
