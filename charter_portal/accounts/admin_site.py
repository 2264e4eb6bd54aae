"""The admin site, for admins only (superusers: ``commitments.access.is_admin``): a member of
staff who is not one is sent to the admin's sign-in page, which says they are signed in without
the right to open it."""

from django.contrib import admin

from commitments.access import is_admin


class CharterAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return is_admin(request.user)
