from django.conf import settings

from commitments.access import may_administer


def site(request):
    user = getattr(request, "user", None)
    return {
        "charter_env": settings.CHARTER_ENV,
        # Evaluated only by a template that asks (the navigation's admin link).
        "may_administer": lambda: user is not None and may_administer(user),
    }
