from django.conf import settings
from django.utils.functional import SimpleLazyObject

from commitments.access import may_administer


def site(request):
    user = getattr(request, "user", None)
    return {
        "charter_env": settings.CHARTER_ENV,
        # Evaluated only by a template that asks (the navigation's admin link).
        "may_administer": lambda: user is not None and may_administer(user),
    }


def navigation(request):
    """The menu entries the signed-in user may open (computed once per page, lazily)."""
    from charter_portal.navigation import menu_for

    user = getattr(request, "user", None)
    return {"menu": SimpleLazyObject(lambda: menu_for(user)) if user is not None else None}
