"""Site-wide guards: security headers on every answer, and a clear 413 for a body too large.

Django refuses an oversized form with ``RequestDataTooBig``, which it turns into a bare 400
("Bad Request"); a person who attached a file too large deserves to be told why, so bodies are
measured here, before anything reads them.

A body sent with ``Transfer-Encoding: chunked`` has no ``Content-Length``, and Django reads
such a body as empty (a valid complaint would be refused as missing every field). Under a
server that de-chunks the body and marks its end (``wsgi.input_terminated``: gunicorn does),
it is read here, up to the limit, and handed on with its length; under one that does not, it is
refused with 411 (Length Required).
"""

import io
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed, RequestDataTooBig
from django.core.handlers.wsgi import LimitedStream
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from requests_desk.cases.attachments import megabytes

# No inline scripts or styles anywhere in our templates: scripts and styles come from our own
# static files only, and no page can be framed or post a form to another site.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy, beside the headers Django already sets
    (nosniff, Referrer-Policy, X-Frame-Options). A view that set its own keeps it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(settings.CHARTER_CSP_EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class ServerTimingMiddleware:
    """With ``CHARTER_SERVER_TIMING``: ``Server-Timing: app;dur=<ms>, cpu;dur=<ms>,
    runq;dur=<ms>, db;dur=<ms>, queries;desc=<n>`` on every answer — how long the portal took;
    of that, the CPU time its thread spent and the time it waited for a core, runnable (Linux's
    ``/proc/thread-self/schedstat``; left out elsewhere); how long its queries took, and how
    many it ran. bench/pages.py reads them from a production-mode server: on a busy machine
    ``app`` is far more than ``cpu`` — each query wakes PostgreSQL's process, then this one,
    and both queue for a core."""

    def __init__(self, get_response):
        if not settings.CHARTER_SERVER_TIMING:
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        queries = _QueryClock()
        started, cpu, waited = time.perf_counter(), time.thread_time(), run_queue_ms()
        with connection.execute_wrapper(queries):
            response = self.get_response(request)
        spent = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - cpu) * 1000
        parts = [f"app;dur={spent:.1f}", f"cpu;dur={cpu:.1f}"]
        if waited is not None and (now := run_queue_ms()) is not None:
            parts.append(f"runq;dur={now - waited:.1f}")
        parts += [f"db;dur={queries.ms:.1f}", f'queries;desc="{queries.count}"']
        response["Server-Timing"] = ", ".join(parts)
        return response


def run_queue_ms() -> float | None:
    """How long this thread has waited runnable for a core, in ms (Linux); ``None`` elsewhere."""
    try:
        with open("/proc/thread-self/schedstat", "rb") as stats:
            return int(stats.read().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return None


class _QueryClock:
    def __init__(self) -> None:
        self.count, self.ms = 0, 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.count += 1
            self.ms += (time.perf_counter() - started) * 1000


class BodySizeMiddleware:
    """413 for a request body over ``CHARTER_MAX_BODY_BYTES``, or whose form fields alone are over
    Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``: a page in the visitor's language for pages, JSON
    for the API."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if unsized_body(request):
            refusal = read_unsized_body(request)
            if refusal is not None:
                return refusal
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.CHARTER_MAX_BODY_BYTES:
            return too_large(request)
        if request.method == "POST" and request.content_type in FORM_TYPES:
            try:
                # What CSRF checking does next anyway; read here, a refusal is ours to word.
                request.POST  # noqa: B018
            except RequestDataTooBig:
                return too_large(request)
        return self.get_response(request)


def unsized_body(request) -> bool:
    encoding = request.META.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not request.META.get("CONTENT_LENGTH")


def read_unsized_body(request):
    """Read a chunked body into memory (at most ``CHARTER_MAX_BODY_BYTES``) and give the request
    its length; a refusal when it is too large or the server cannot tell where it ends."""
    if not request.META.get("wsgi.input_terminated"):
        return refused(
            request,
            411,
            _("Length required"),
            _("Send the request with a Content-Length header."),
        )
    limit = settings.CHARTER_MAX_BODY_BYTES
    body = request.META["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        return too_large(request)
    # WSGIRequest reads its body through this stream, bounded by CONTENT_LENGTH.
    request._stream = LimitedStream(io.BytesIO(body), len(body))
    request.META["CONTENT_LENGTH"] = str(len(body))
    return None


def refused(request, status: int, heading: str, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    html = render_to_string(
        "public/refused.html", {"heading": heading, "message": message}, request=request
    )
    return HttpResponse(html, status=status)


def too_large(request, *, limit: int | None = None):
    limit = limit or settings.CHARTER_MAX_BODY_BYTES
    message = _(
        "What you sent is too large (at most %(size)s). Attach a smaller file, or send the file "
        "to us by e-mail after you have your tracking code."
    ) % {"size": megabytes(limit)}
    return refused(request, 413, _("Too large"), message)
