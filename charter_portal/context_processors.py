from django.conf import settings
from django.utils.functional import SimpleLazyObject


def site(request):
    return {"charter_env": settings.CHARTER_ENV}


def navigation(request):
    """The menu entries the signed-in user may open (computed once per page, lazily)."""
    from charter_portal.navigation import menu_for

    user = getattr(request, "user", None)
    return {"menu": SimpleLazyObject(lambda: menu_for(user)) if user is not None else None}
