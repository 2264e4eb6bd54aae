"""The homepage's public pages (no account), mounted at the site root in both languages."""

from django.urls import path

from requests_desk.homepage.views import my_cases, public

app_name = "public"

urlpatterns = [
    path("complaint/", public.complaint, name="complaint"),
    path("complaint/done/", public.complaint_done, name="complaint-done"),
    path("track/", public.track, name="track"),
    path("track/<str:code>/", public.track_case, name="track-case"),
    path("track/<str:code>/reply/", public.track_reply, name="track-reply"),
    path(
        "track/<str:code>/attachments/<int:attachment_pk>/",
        public.track_attachment,
        name="track-attachment",
    ),
    path("my-cases/", my_cases.ask, name="my-cases"),
    path("my-cases/sign-in/<str:token>/", my_cases.link, name="my-cases-link"),
    path("my-cases/list/", my_cases.case_list, name="my-cases-list"),
    path("my-cases/open/<str:code>/", my_cases.open_case, name="my-cases-open"),
    path("commend/", public.commend, name="commend"),
    path("commend/done/", public.commend_done, name="commend-done"),
]
