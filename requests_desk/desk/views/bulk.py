"""The request list's bulk action: the same change on the ticked rows, each reported."""

from django.shortcuts import render
from django.views.decorators.http import require_POST

from requests_desk.cases import DeskError
from requests_desk.cases.bulk import requests_bulk_apply
from requests_desk.desk.bulk_forms import BulkForm
from requests_desk.desk.forms import add_service_errors
from requests_desk.desk.views.common import desk_view


@desk_view
@require_POST
def bulk_action(request):
    """Apply the action row by row; the page lists what became of each (refused rows with
    their reason), or the form again with its errors and the rows still ticked."""
    form = BulkForm(request.POST, user=request.user)
    outcomes = None
    if form.is_valid():
        try:
            outcomes = requests_bulk_apply(actor=request.user, **form.service_arguments())
        except DeskError as error:
            add_service_errors(form, error)
    return render(
        request,
        "requests_desk/bulk.html",
        {
            "form": form,
            "outcomes": outcomes,
            "applied": sum(o.applied for o in outcomes or ()),
            "refused": sum(not o.applied for o in outcomes or ()),
        },
        status=200 if outcomes is not None else 400,
    )
