"""API throttling per signed-in user and per anonymous client address.

Rates are read from ``CHARTER_API_THROTTLE_RATES`` when a call is counted (DRF's own classes
read theirs once, at import). An anonymous caller is counted against the address
``client_address`` finds (the trusted proxies are those of the homepage's limits). The counters
live in the shared cache: when it cannot be reached, calls are let through and the fault is
logged, the API does not fail with it. Over the rate: 429 with ``Retry-After``."""

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from requests_desk.homepage.services.abuse import client_address

logger = logging.getLogger(__name__)


class SettingsRate:
    def get_rate(self):
        return settings.CHARTER_API_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            logger.warning("API throttling skipped: the cache cannot be reached", exc_info=True)
            return True


class UserThrottle(SettingsRate, UserRateThrottle):
    def get_cache_key(self, request, view):
        # An anonymous caller is counted by :class:`AnonymousThrottle` (a lower rate, by the
        # address ``client_address`` finds), not a second time here.
        if not (request.user and request.user.is_authenticated):
            return None
        return super().get_cache_key(request, view)


class AnonymousThrottle(SettingsRate, AnonRateThrottle):
    def get_ident(self, request):
        return client_address(request)
