"""The customer's voice in the desk (included from the desk's urls, namespace ``desk``)."""

from django.urls import path

from requests_desk.homepage.views import voice

urlpatterns = [
    path("voice/", voice.voice_home, name="voice"),
    path("voice/unkind-reports/", voice.unkind_list, name="unkind-list"),
    path("voice/unkind-reports/<int:pk>/", voice.unkind_detail, name="unkind-detail"),
    path("voice/commendations/", voice.commendation_list, name="commendation-list"),
    path(
        "voice/commendations/<int:pk>/acknowledge/",
        voice.commendation_acknowledge_view,
        name="commendation-acknowledge",
    ),
    path("voice/phone-scores/", voice.phone_scores, name="phone-scores"),
    path("people/<str:username>/", voice.person, name="person"),
]
