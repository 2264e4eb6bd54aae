"""The portal's URLs plus a stand-in for a page another part of the portal provides, to see
the homepage offer an entry exactly when its page exists."""

from django.http import HttpResponse
from django.urls import include, path

from charter_portal.urls import urlpatterns as portal_urls


def stand_in(request):
    return HttpResponse("stand-in")


public = ([path("complaint/", stand_in, name="complaint")], "public")

urlpatterns = [*portal_urls, path("stand-in/", include(public))]
