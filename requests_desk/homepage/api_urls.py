"""The homepage's API: the public complaint form and tracking (no account, ``/api/v1/public/…``)
and the managers' decisions on unkind-service reports (``/api/v1/unkind-reports/``)."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from requests_desk.homepage.api.public import ComplaintView, TrackView
from requests_desk.homepage.api.voice import UnkindReportViewSet

router = SimpleRouter()
router.register("unkind-reports", UnkindReportViewSet, basename="unkind-report")

public_patterns = [
    path("complaints/", ComplaintView.as_view(), name="public-complaints"),
    path("track/<str:tracking_code>/", TrackView.as_view(), name="public-track"),
]

urlpatterns = [*router.urls, path("public/", include(public_patterns))]
