from django.conf import settings


def site(request):
    return {"charter_env": settings.CHARTER_ENV}
