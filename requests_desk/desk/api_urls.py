from django.urls import path
from rest_framework.routers import SimpleRouter

from requests_desk.desk.api import requests
from requests_desk.desk.api.bulk import BulkView
from requests_desk.desk.api.calls import CallViewSet
from requests_desk.desk.api.contacts import ContactViewSet
from requests_desk.desk.api.deadlines import DeadlineViewSet
from requests_desk.desk.api.merge import MergeView

# A simple router: the API root view belongs to the commitments' router.
router = SimpleRouter()
router.register("requests", requests.RequestViewSet, basename="request")
router.register("calls", CallViewSet, basename="call")
router.register("deadlines", DeadlineViewSet, basename="deadline")
router.register("contacts", ContactViewSet, basename="contact")

under_request = "requests/<int:request_pk>/"

urlpatterns = [
    path("requests/bulk/", BulkView.as_view(), name="request-bulk"),
    *router.urls,
    path(f"{under_request}status/", requests.StatusView.as_view(), name="request-status"),
    path(f"{under_request}transfer/", requests.TransferView.as_view(), name="request-transfer"),
    path(
        f"{under_request}communications/",
        requests.CommunicationListView.as_view(),
        name="request-communications",
    ),
    path(
        f"{under_request}communications/stops/",
        requests.CommunicationStopsView.as_view(),
        name="request-communication-stops",
    ),
    path(
        f"{under_request}under-an-hour/",
        requests.UnderAnHourView.as_view(),
        name="request-under-an-hour",
    ),
    path(f"{under_request}notes/", requests.NoteListView.as_view(), name="request-notes"),
    path(f"{under_request}visits/", requests.VisitListView.as_view(), name="request-visits"),
    path(
        f"{under_request}activities/",
        requests.ActivityListView.as_view(),
        name="request-activities",
    ),
    path(f"{under_request}merge/", MergeView.as_view(), name="request-merge"),
    path(f"{under_request}timeline/", requests.TimelineView.as_view(), name="request-timeline"),
]
