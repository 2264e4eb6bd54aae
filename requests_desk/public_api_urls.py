"""The public API (no account): ``/api/v1/public/…``."""

from django.urls import path

from requests_desk.api.public import ComplaintView, TrackView

urlpatterns = [
    path("complaints/", ComplaintView.as_view(), name="public-complaints"),
    path("track/<str:tracking_code>/", TrackView.as_view(), name="public-track"),
]
