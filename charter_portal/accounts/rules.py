"""Who must show a second factor, and what the next step of their sign-in is."""

from django.conf import settings
from django_otp import user_has_device

from commitments.access import is_manager

ENROL = "two-factor-enrol"
VERIFY = "two-factor-verify"


def two_factor_required(user) -> bool:
    """Admins and managers must sign in with a second factor (``CHARTER_REQUIRE_OTP``; always
    in production); anyone who set one up must use it."""
    if not (user.is_authenticated and user.is_active):
        return False
    if settings.CHARTER_REQUIRE_OTP and is_manager(user):  # admins are managers too
        return True
    return user_has_device(user, confirmed=True)


def pending_step(user) -> str | None:
    """The URL name of the sign-in step ``user`` still owes in this session, or None."""
    if user.is_verified() or not two_factor_required(user):
        return None
    return VERIFY if user_has_device(user, confirmed=True) else ENROL
