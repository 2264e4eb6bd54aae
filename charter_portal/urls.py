from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from charter_portal import health
from charter_portal import views as portal_views
from commitments import views as commitment_views
from requests_desk.homepage.views import home as home_views
from requests_desk.reports import views as report_views

admin.site.site_header = _("Charter Portal administration")
admin.site.site_title = _("Charter Portal")

# An address under /api/ that no route matches answers JSON too.
handler404 = "charter_portal.views.not_found"

api_patterns = [
    path("", include("commitments.api_urls")),
    path("", include("requests_desk.desk.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("requests_desk.homepage.api_urls")),
    path("", include("requests_desk.notices.api_urls")),
    path("", include("requests_desk.incidents.api_urls")),
    path("", include("requests_desk.records.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("i18n/setlang/", portal_views.set_language, name="set_language"),
    path("api/v1/", include(api_patterns)),
    *i18n_patterns(
        path("", home_views.home, name="home"),
        path("simulator/", commitment_views.simulator, name="simulator"),
        path("desk/", include("requests_desk.desk.urls")),
        path("surveys/", include("requests_desk.homepage.survey_urls")),
        path("", include("requests_desk.homepage.urls")),
        path("desk/notices/", include("requests_desk.notices.urls")),
        path("desk/incidents/", include("requests_desk.incidents.urls")),
        path("desk/records/", include("requests_desk.records.desk")),
        path("", include("notifications.notices.urls")),
        path("reports/", include("requests_desk.reports.urls")),
        path("charter/scorecard/", report_views.scorecard, name="scorecard"),
        path("admin/", admin.site.urls),
        path("accounts/start/", portal_views.start, name="start"),
        path("accounts/", include("charter_portal.accounts.urls")),
        prefix_default_language=False,
    ),
]
