"""The public survey pages: no account needed.

- ``surveys:answer``: the one-time link a resolved case earns. Unknown → 404; used or expired
  → 410 with a page that says which; a score outside 1–5 → the form again with its error.
- ``surveys:results``: the published aggregates per quarter (``?quarter=2026Q3``); a quarter
  that is not one, or has not begun, → 400 with the reason and the selector to choose again.
"""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from requests_desk.cases import DeskError
from requests_desk.desk.forms import add_service_errors
from requests_desk.homepage.services.surveys import (
    SurveyLinkError,
    survey_answer,
    survey_invitation_open,
)
from requests_desk.homepage.survey_results import (
    QuarterError,
    default_quarter,
    quarter_parse,
    quarters_to_offer,
    survey_results,
)
from requests_desk.homepage.voice_forms import SurveyAnswerForm


def _closed(request, error: SurveyLinkError):
    return render(
        request,
        "surveys/closed.html",
        {"message": str(error)},
        status=410 if error.gone else 404,
    )


@never_cache
def answer(request, token: str):
    try:
        invitation = survey_invitation_open(token)
    except SurveyLinkError as error:
        return _closed(request, error)
    form = SurveyAnswerForm()
    status = 200
    if request.method == "POST":
        form = SurveyAnswerForm(request.POST)
        if form.is_valid():
            try:
                survey_answer(token=token, **form.cleaned_data)
            except SurveyLinkError as error:
                return _closed(request, error)
            except DeskError as error:
                add_service_errors(form, error)
            else:
                return render(request, "surveys/thanks.html")
        status = 400
    return render(
        request,
        "surveys/answer.html",
        {"form": form, "case": invitation.request},
        status=status,
    )


def results(request):
    offered = quarters_to_offer()
    text = request.GET.get("quarter")
    error = ""
    if text is None or text == "":
        quarter = default_quarter()
    else:
        try:
            quarter = quarter_parse(text[:50])
        except QuarterError as refused:
            error, quarter = str(refused), None
    context = {
        "offered": offered,
        "error": error,
        "typed": (text or "")[:50],
        "quarter": quarter,
        "results": survey_results(quarter=quarter) if quarter else None,
        "page_title": _("Customer satisfaction results"),
    }
    return render(request, "surveys/results.html", context, status=400 if error else 200)
