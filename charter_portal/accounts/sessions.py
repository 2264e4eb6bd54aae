"""Sessions that end after ``CHARTER_SESSION_IDLE_MINUTES`` without a request.

A session expires ``SESSION_COOKIE_AGE`` after it was last saved. Saving it on every request
would write the session row every time; instead a signed-in session is saved again (and its
expiry pushed back) when it was last refreshed a minute or more ago, so the idle limit holds to
within a minute at one write a minute at most."""

import time

from django.contrib.auth import SESSION_KEY

from charter_portal.accounts.rules import two_factor_required

REFRESHED_KEY = "charter_refreshed_at"
REFRESH_EVERY_SECONDS = 60


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Signed in by this session (an API call with a token has no session to keep alive).
        if request.session.get(SESSION_KEY) is not None:
            now = int(time.time())
            if now - request.session.get(REFRESHED_KEY, 0) >= REFRESH_EVERY_SECONDS:
                request.session[REFRESHED_KEY] = now
        return response


def on_sign_in(sender, request, user, **kwargs):
    """``user_logged_in``: the session starts its idle count, and a user who owes no second
    factor is not asked about it again in this session (``TwoFactorMiddleware``)."""
    from charter_portal.accounts.two_factor import CLEARED_KEY

    request.session[REFRESHED_KEY] = int(time.time())
    if not two_factor_required(user):
        request.session[CLEARED_KEY] = user.pk
