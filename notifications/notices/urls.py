from django.urls import path

from notifications.notices import views

app_name = "notices"

urlpatterns = [
    path("notices/suspensions/", views.suspension_list, name="suspensions"),
    path("notices/suspensions/<int:pk>/", views.suspension_detail, name="suspension"),
    path("notices/announcements/", views.announcement_list, name="announcements"),
    path("notices/announcements/<int:pk>/", views.announcement_detail, name="announcement"),
    path("emergency-contacts/", views.emergency_contacts, name="emergency-contacts"),
]
