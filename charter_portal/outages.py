"""An outage answers 503 "try again shortly", never a bare 500.

When PostgreSQL restarts, or Redis or the broker is unreachable where a view cannot do without
it, the error reaches here: the answer is a 503 with ``Retry-After`` (JSON under ``/api/``, a short
page elsewhere), and the log says which part was down. Every other error stays a 500.
"""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def outage_errors() -> tuple[type[BaseException], ...]:
    """The exception classes that mean "a part we depend on is unreachable"."""
    import redis
    from kombu.exceptions import OperationalError as BrokerError

    return (
        OperationalError,
        InterfaceError,
        redis.ConnectionError,
        redis.TimeoutError,
        BrokerError,
    )


class OutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.errors = outage_errors()

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, self.errors):
            return None
        logger.warning(
            "outage: %s %s answered 503 (%s: %s)",
            request.method,
            request.path,
            exception.__class__.__name__,
            exception,
        )
        message = _("The service is briefly unavailable. Please try again in a minute.")
        if request.path.startswith("/api/"):
            response = JsonResponse({"detail": message}, status=503)
        else:
            response = HttpResponse(
                f"<!doctype html><title>503</title><h1>{escape(message)}</h1>",
                status=503,
                content_type="text/html; charset=utf-8",
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
