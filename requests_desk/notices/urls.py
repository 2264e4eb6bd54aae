from django.urls import path

from requests_desk.notices import views as notices

app_name = "desk-notices"

urlpatterns = [
    path("suspensions/", notices.suspension_list, name="suspension-list"),
    path("suspensions/new/", notices.suspension_new, name="suspension-new"),
    path("suspensions/<int:pk>/", notices.suspension_detail, name="suspension"),
    path("suspensions/<int:pk>/publish/", notices.suspension_publish, name="suspension-publish"),
    path(
        "suspensions/<int:pk>/reschedule/",
        notices.suspension_reschedule_view,
        name="suspension-reschedule",
    ),
    path("suspensions/<int:pk>/cancel/", notices.suspension_cancel_view, name="suspension-cancel"),
    path("announcements/", notices.announcement_list, name="announcement-list"),
    path("announcements/<int:pk>/", notices.announcement_detail, name="announcement"),
    path(
        "announcements/<int:pk>/publish/",
        notices.announcement_publish_view,
        name="announcement-publish",
    ),
]
