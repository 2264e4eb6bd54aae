from django.apps import AppConfig


class CharterPortalConfig(AppConfig):
    name = "charter_portal"
    verbose_name = "Charter Portal"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from charter_portal.accounts.sessions import on_sign_in

        user_logged_in.connect(on_sign_in, dispatch_uid="charter-sign-in-session")
