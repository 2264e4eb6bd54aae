"""``/accounts/``: sign-in (with the second factor), sign-out and password reset by e-mail.
Django's auth views, with our templates; the URL names are Django's (no namespace)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from charter_portal.accounts import two_factor
from charter_portal.accounts.password_reset import PasswordResetView

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("two-factor/", two_factor.verify, name="two-factor-verify"),
    path("two-factor/enrol/", two_factor.enrol, name="two-factor-enrol"),
    path("password-reset/", PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html"
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
