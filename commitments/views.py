from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from commitments.forms import SimulatorForm
from commitments.simulation import SimulationError, simulate_due


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
