from django.urls import path

from requests_desk.incidents import views

app_name = "desk-incidents"

urlpatterns = [
    path("", views.incident_list, name="incident-list"),
    path("new/", views.incident_new, name="incident-new"),
    path("<int:pk>/", views.incident_detail, name="incident"),
    path("<int:pk>/tell/", views.incident_tell_view, name="incident-tell"),
    path("<int:pk>/link/", views.incident_link_view, name="incident-link"),
]
