"""The homepage's public pages: file a case, follow it, reply to it, commend an employee.

No account: what a visitor may see of a case is kept in their session once they have given
its tracking code and e-mail (never the e-mail in a URL). Every POST counts against the rate
limits; a honeypot hit is answered like a success and creates nothing.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from commitments.memo import catalogue_pinned
from requests_desk.cases.attachments import attachment_customer_may_fetch
from requests_desk.cases.errors import DeskError
from requests_desk.cases.merge import request_family
from requests_desk.desk.forms import add_service_errors
from requests_desk.desk.views.attachments import attachment_download
from requests_desk.homepage.forms import CommendForm, ComplaintForm, ReplyForm, TrackForm
from requests_desk.homepage.services.abuse import (
    Verdict,
    client_address,
    decoy_tracking_code,
    email_check,
    honeypot_hit,
    lookup_check,
    reach_us,
    submission_check,
)
from requests_desk.homepage.services.public import (
    case_find,
    case_public,
    commendation_submit,
    complaint_submit,
    customer_reply,
)
from requests_desk.models import Attachment, Request

DONE_KEY = "public_done"
CASES_KEY = "public_cases"
COMMENDED_KEY = "public_commended"
MAX_REMEMBERED = 20


def remember_case(request, code: str) -> None:
    """The visitor proved they may see this case (code and e-mail); keep it in their session."""
    codes = [c for c in request.session.get(CASES_KEY, []) if c != code]
    request.session[CASES_KEY] = [*codes, code][-MAX_REMEMBERED:]


def may_see(request, code: str) -> bool:
    return code in request.session.get(CASES_KEY, [])


def too_many(request, template: str, context: dict, verdict: Verdict):
    """The page again, with what was typed, and a 429 that says when to try again and how to
    reach us meanwhile (the phone number and the emergency contacts)."""
    response = render(
        request, template, {**context, "refusal": verdict.message, "reach": reach_us()}, status=429
    )
    response["Retry-After"] = str(verdict.retry_after)
    return response


@require_http_methods(["GET", "POST"])
@catalogue_pinned()
def complaint(request):
    if request.method == "GET":
        return render(request, "public/complaint.html", {"form": ComplaintForm()})
    form = ComplaintForm(request.POST, request.FILES)
    verdict = submission_check(address=client_address(request), email=request.POST.get("email", ""))
    if not verdict.allowed:
        return too_many(request, "public/complaint.html", {"form": form}, verdict)
    if honeypot_hit(request.POST):
        request.session[DONE_KEY] = decoy_tracking_code()
        return redirect("public:complaint-done")
    if form.is_valid():
        verdict = email_check(email=form.cleaned_data["email"])
        if not verdict.allowed:
            return too_many(request, "public/complaint.html", {"form": form}, verdict)
        try:
            # The case and the visitor's session that remembers it: one commit.
            with transaction.atomic():
                case = complaint_submit(**form.submission(), language=get_language())
                request.session[DONE_KEY] = case.tracking_code
                remember_case(request, case.tracking_code)
                request.session.write_now()  # SESSION_ENGINE: accounts.session_store
        except DeskError as error:
            add_service_errors(form, error)
        else:
            return redirect("public:complaint-done")
    form.forget_file()
    status = 413 if form.too_large else 400
    return render(request, "public/complaint.html", {"form": form}, status=status)


def complaint_done(request):
    code = request.session.get(DONE_KEY)
    if not code:
        return redirect("public:complaint")
    return render(
        request,
        "public/complaint_done.html",
        {"tracking_code": code, "can_follow": may_see(request, code)},
    )


@require_http_methods(["GET", "POST"])
def track(request):
    if request.method == "GET":
        # The acknowledgement's link names the tracking code (never the e-mail): the form
        # comes filled with it and asks only for the e-mail address.
        code = request.GET.get("code", "")[:20].strip().upper()
        initial = {"tracking_code": code} if code.isalnum() else {}
        return render(request, "public/track.html", {"form": TrackForm(initial=initial)})
    form = TrackForm(request.POST)
    verdict = lookup_check(address=client_address(request))
    if not verdict.allowed:
        return too_many(request, "public/track.html", {"form": form}, verdict)
    case = None
    if form.is_valid():
        case = case_find(
            tracking_code=form.cleaned_data["tracking_code"], email=form.cleaned_data["email"]
        )
        if case is None or honeypot_hit(request.POST):
            # One answer for an unknown code and for a wrong e-mail: nothing to enumerate.
            form.add_error(
                None,
                _(
                    "We could not find a case with this tracking code and e-mail. Check both "
                    "and try again."
                ),
            )
            return render(request, "public/track.html", {"form": form}, status=404)
    if case is None:
        return render(request, "public/track.html", {"form": form}, status=400)
    remember_case(request, case.tracking_code)
    return redirect("public:track-case", code=case.tracking_code)


def _case_page(request, case: Request, *, form=None, status: int = 200):
    return render(
        request,
        "public/track_case.html",
        {"case": case_public(case), "form": form or ReplyForm()},
        status=status,
    )


def _verified_case(request, code: str) -> Request | None:
    if not may_see(request, code):
        return None
    return (
        Request.objects.select_related("customer__organisation", "division", "team")
        .filter(tracking_code=code)
        .first()
    )


def track_case(request, code: str):
    case = _verified_case(request, code)
    if case is None:
        return redirect(f"{reverse('public:track')}?{urlencode({'code': code[:20]})}")
    return _case_page(request, case)


@require_http_methods(["POST"])
def track_reply(request, code: str):
    case = _verified_case(request, code)
    if case is None:
        return redirect("public:track")
    form = ReplyForm(request.POST, request.FILES)
    verdict = submission_check(address=client_address(request), email=case.customer.email)
    if not verdict.allowed:
        return too_many(
            request, "public/track_case.html", {"case": case_public(case), "form": form}, verdict
        )
    if not honeypot_hit(request.POST):
        if not form.is_valid():
            form.forget_files()
            return _case_page(request, case, form=form, status=413 if form.too_large else 400)
        try:
            customer_reply(
                case,
                message=form.cleaned_data["message"],
                files=form.cleaned_data.get("files") or (),
            )
        except DeskError as error:
            add_service_errors(form, error)
            form.forget_files()
            return _case_page(request, case, form=form, status=400)
    messages.success(request, _("Thank you: your message was added to your case."))
    return redirect(reverse("public:track-case", kwargs={"code": code}) + "#public-timeline")


@require_http_methods(["GET", "POST"])
def commend(request):
    if request.method == "GET":
        return render(request, "public/commend.html", {"form": CommendForm()})
    form = CommendForm(request.POST)
    verdict = submission_check(
        address=client_address(request), email=request.POST.get("nominator_email", "")
    )
    if not verdict.allowed:
        return too_many(request, "public/commend.html", {"form": form}, verdict)
    if not honeypot_hit(request.POST):
        if not form.is_valid():
            return render(request, "public/commend.html", {"form": form}, status=400)
        verdict = email_check(email=form.cleaned_data["nominator_email"])
        if not verdict.allowed:
            return too_many(request, "public/commend.html", {"form": form}, verdict)
        try:
            commendation_submit(**form.cleaned_data_for_service())
        except DeskError as error:
            add_service_errors(form, error)
            return render(request, "public/commend.html", {"form": form}, status=400)
    request.session[COMMENDED_KEY] = True
    return redirect("public:commend-done")


def commend_done(request):
    if not request.session.get(COMMENDED_KEY):
        return redirect("public:commend")
    return render(request, "public/commend_done.html")


def track_attachment(request, code: str, attachment_pk: int):
    """A file of the visitor's case, for the customer who proved they may see it: what they
    sent, and what came with our answers (never a file on an internal note)."""
    case = _verified_case(request, code)
    if case is None:
        raise Http404
    row = get_object_or_404(
        Attachment.objects.select_related("activity"),
        pk=attachment_pk,
        request_id__in=request_family(case),
    )
    if not attachment_customer_may_fetch(row):
        raise Http404
    return attachment_download(row)
