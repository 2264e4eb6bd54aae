"""The admin site, for admins only (``commitments.access.may_administer``): a member of staff
who is not one is sent to the admin's sign-in page, which says they are signed in without
the right to open it."""

from django.contrib import admin

from commitments.access import may_administer


class CharterAdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return may_administer(request.user)
