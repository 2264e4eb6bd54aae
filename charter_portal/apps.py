from django.apps import AppConfig


class CharterPortalConfig(AppConfig):
    name = "charter_portal"
    verbose_name = "Charter Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from charter_portal.accounts.sessions import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="charter-sign-in-session")
        name_the_sign_in_apps()


def name_the_sign_in_apps() -> None:
    """The admin's sections of django-axes and django-otp in the reader's language: their app
    names and the TOTP device's model name are plain English strings in the packages."""
    from django.apps import apps
    from django.utils.translation import gettext_lazy as _
    from django_otp.plugins.otp_totp.models import TOTPDevice

    apps.get_app_config("axes").verbose_name = _("Sign-in attempts")
    apps.get_app_config("otp_totp").verbose_name = _("Second factor")
    TOTPDevice._meta.verbose_name = _("authenticator app")
    TOTPDevice._meta.verbose_name_plural = _("authenticator apps")
