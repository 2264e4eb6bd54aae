"""django-axes' authentication backend, for sign-in forms only.

Every sign-in over HTTP (our login page, the admin's) passes its request to ``authenticate()``,
so axes counts its failures and refuses a locked account or address. A call without a request
(management commands, tests calling ``Client.login``) has nothing to count against: axes would
refuse it with an error, this backend leaves it to the next one."""

from axes.backends import AxesStandaloneBackend

from requests_desk.homepage.services.abuse import client_address


class SignInAttemptsBackend(AxesStandaloneBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def sign_in_address(request) -> str | None:
    """The address failures count against: the one the homepage's limits use (trusted proxies
    honoured), or None when the request has none (an address column cannot hold "unknown")."""
    address = client_address(request)
    return None if address == "unknown" else address.split("/")[0]
