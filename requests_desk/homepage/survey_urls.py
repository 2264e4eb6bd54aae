"""The public survey pages, at the site's root in each language (namespace ``surveys``)."""

from django.urls import path

from requests_desk.homepage.views import surveys

app_name = "surveys"

urlpatterns = [
    path("results/", surveys.results, name="results"),
    path("<str:token>/", surveys.answer, name="answer"),
]
