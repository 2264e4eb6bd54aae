from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments.forms import SimulatorForm
from commitments.models import Commitment
from commitments.simulation import SimulationError, simulate_due

#: What customers come to the homepage to do, in order: (URL name, label, hint).
HOMEPAGE_ENTRIES = (
    (
        "public:complaint",
        gettext_lazy("File a complaint or request"),
        gettext_lazy("No account needed: we answer the same business day."),
    ),
    (
        "public:track",
        gettext_lazy("Track your case"),
        gettext_lazy("With your tracking code and e-mail address."),
    ),
    (
        "public:commend",
        gettext_lazy("Commend an employee"),
        gettext_lazy("Tell us who served you well."),
    ),
    (
        "surveys:results",
        gettext_lazy("Published survey results"),
        gettext_lazy("What customers told us, quarter by quarter."),
    ),
    (
        "scorecard",
        gettext_lazy("Charter scorecard"),
        gettext_lazy("How well we kept each promise last month and quarter."),
    ),
    (
        "notices:emergency-contacts",
        gettext_lazy("Emergency contacts"),
        gettext_lazy("Who to call at night, at weekends and on holidays."),
    ),
)


def homepage_entries() -> list[dict]:
    return [
        {"name": name, "url": reverse(name), "label": label, "hint": hint}
        for name, label, hint in HOMEPAGE_ENTRIES
    ]


def home(request):
    """The customers' homepage: what they can do here, the notices, and every promise we make,
    in the reader's language. Notices come from template tags (``{% load notices %}``)."""
    commitments = Commitment.objects.filter(active=True).select_related("division", "service")
    return render(
        request,
        "home.html",
        {"commitments": commitments.order_by("code"), "entries": homepage_entries()},
    )


@login_required
def simulator(request):
    """Staff check what due instant a clock would get, and why, before trusting a calendar."""
    if not request.user.is_staff:
        raise PermissionDenied
    form = SimulatorForm(request.GET or None)
    result = None
    if request.GET and form.is_valid():
        data = form.cleaned_data
        try:
            result = simulate_due(
                commitment=data["commitment"],
                start=data["start"],
                target=data.get("target"),
                division=data.get("division"),
            )
        except SimulationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except ValueError as exc:
            form.add_error(None, _("No due instant can be computed: %(why)s") % {"why": exc})
    return render(request, "commitments/simulator.html", {"form": form, "result": result})
