from django.urls import path

from requests_desk.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("list/<slug:kind>/", views.list_view, name="list"),
    path("list/<slug:kind>/export/<slug:fmt>/", views.list_export, name="list-export"),
    path("monthly/", views.monthly, name="monthly"),
    path("monthly/export/<slug:fmt>/", views.monthly_export, name="monthly-export"),
]
