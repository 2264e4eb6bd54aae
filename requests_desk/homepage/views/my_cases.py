""" "My cases": ask for a sign-in link by e-mail, sign in with it once, see every case.

- ``public:my-cases``: the address. The same answer whether or not it has cases; limited like
  the other look-ups (per address and, for the mail it may send, per e-mail).
- ``public:my-cases-link``: the e-mailed link. GET shows a button (a mail scanner fetching the
  link does not use it up); POST signs in. Unknown → 404; used or expired → 410.
- ``public:my-cases-list``: the signed-in address's cases, status and next answer due; each
  opens on the tracking page.
"""

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from requests_desk.homepage.forms import MyCasesForm
from requests_desk.homepage.services.abuse import (
    client_address,
    honeypot_hit,
    lookup_check,
    submission_check,
)
from requests_desk.homepage.services.my_cases import (
    LINK_LIFETIME,
    LinkClosed,
    case_list_link_check,
    case_list_link_send,
    case_list_link_use,
    case_rows,
    cases_of_address,
)
from requests_desk.homepage.views.public import remember_case, too_many

EMAIL_KEY = "my_cases_email"


@require_http_methods(["GET", "POST"])
def ask(request):
    if request.method == "GET":
        return render(request, "public/my_cases.html", {"form": MyCasesForm()})
    form = MyCasesForm(request.POST)
    address = client_address(request)
    verdict = lookup_check(address=address)
    if verdict.allowed and form.is_valid():
        # The mail a request may send counts against the address's limits too.
        verdict = submission_check(
            address=address, email=form.cleaned_data["email"], scope="my-cases"
        )
    if not verdict.allowed:
        return too_many(request, "public/my_cases.html", {"form": form}, verdict)
    if not form.is_valid():
        return render(request, "public/my_cases.html", {"form": form}, status=400)
    if not honeypot_hit(request.POST):
        case_list_link_send(email=form.cleaned_data["email"], language=get_language() or "ko")
    # The same page whether or not the address has cases.
    return render(
        request,
        "public/my_cases_sent.html",
        {
            "email": form.cleaned_data["email"],
            "minutes": int(LINK_LIFETIME.total_seconds() // 60),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def link(request, token: str):
    try:
        if request.method == "GET":
            case_list_link_check(token)
            return render(request, "public/my_cases_link.html", {"token": token})
        email = case_list_link_use(token)
    except LinkClosed as error:
        return render(
            request,
            "public/my_cases_closed.html",
            {"message": str(error)},
            status=410 if error.gone else 404,
        )
    request.session.cycle_key()  # a new session for the signed-in visitor
    request.session[EMAIL_KEY] = email
    return redirect("public:my-cases-list")


@never_cache
def case_list(request):
    email = request.session.get(EMAIL_KEY)
    if not email:
        return redirect("public:my-cases")
    return render(request, "public/my_cases_list.html", {"email": email, "rows": case_rows(email)})


@require_POST
def open_case(request, code: str):
    """Open one of the signed-in address's cases on the tracking page."""
    email = request.session.get(EMAIL_KEY)
    if not email:
        return redirect("public:my-cases")
    case = cases_of_address(email).filter(tracking_code=code).first()
    if case is None:
        raise Http404
    follow = case.merged_into if case.merged_into_id else case
    remember_case(request, follow.tracking_code)
    return redirect("public:track-case", code=follow.tracking_code)
