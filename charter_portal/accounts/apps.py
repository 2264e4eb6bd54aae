from django.contrib.admin.apps import AdminConfig


class CharterAdminConfig(AdminConfig):
    """Django's admin app (``INSTALLED_APPS``), with our site (admins only) as ``admin.site``."""

    default_site = "charter_portal.accounts.admin_site.CharterAdminSite"
