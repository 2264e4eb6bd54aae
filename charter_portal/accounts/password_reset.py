"""Password reset by e-mail: Django's views and tokens, our templates, and a link that opens
from a mail client (on ``SITE_URL`` when it is set, else the address the request came to).
The new password must pass ``AUTH_PASSWORD_VALIDATORS``."""

from django.conf import settings
from django.contrib.auth import views as auth_views


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        site = settings.SITE_URL or self.request.build_absolute_uri("/").rstrip("/")
        self.extra_email_context = {"site_url": site}
        return super().form_valid(form)
