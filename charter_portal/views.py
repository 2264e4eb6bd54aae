from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils import translation
from django.views import defaults
from django.views.i18n import set_language as django_set_language

from charter_portal.navigation import start_page


def set_language(request):
    """Django's ``set_language``, resolving the page to come back to in that page's language.

    Korean is served without a prefix, so LocaleMiddleware runs ``/i18n/setlang/`` in Korean,
    where ``/en/…`` resolves to nothing: switching an English page back to Korean would land on
    the English page again. Translating ``next`` in the language of its own prefix fixes that.
    """
    next_url = (
        request.POST.get("next") or request.GET.get("next") or request.META.get("HTTP_REFERER")
    )
    language = translation.get_language_from_path(urlsplit(next_url or "/").path)
    with translation.override(language or translation.get_language()):
        return django_set_language(request)


def not_found(request, exception=None):
    """Django's 404 page, or for the API the JSON answer its clients (and its schema) expect:
    an address no route matches, such as ``/api/v1/requests/abc/status/``."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": translation.gettext("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


@login_required
def start(request):
    """Where "log in" leads when no page asked for it: the user's own starting page by role."""
    return redirect(start_page(request.user))
