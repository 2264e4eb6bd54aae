"""Abuse resistance for everything the public can send without an account.

- **Rate limits** per client address and per e-mail, in fixed windows (the hour, the day) kept
  in the shared Django cache: Redis in production and in the tests, the local-memory cache in
  local mode. Every attempt counts, a refused one too; the first ``limit`` attempts of a window
  always pass, so a valid submission before the limit is never dropped. When the cache is
  unreachable the limits are counted in the process (and that is logged): the form keeps
  taking submissions through a Redis outage.
- **Honeypot**: a field people never see (and screen readers skip) that bots fill in. A hit gets
  the same answer as a real submission, creates nothing, and counts against the limit.

Any public form or API endpoint uses :func:`submission_check` (or :func:`lookup_check` for
look-ups) with :func:`client_address`, then :func:`email_check` once the input is valid, and
:data:`HONEYPOT_FIELD`. A refusal tells the customer how to reach us anyway (:func:`reach_us`).
"""

import hashlib
import ipaddress
import logging
import secrets
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_desk.models.requests import TRACKING_ALPHABET, TRACKING_LENGTH

#: The honeypot's name: plausible enough that a form-filling bot fills it.
logger = logging.getLogger(__name__)

HONEYPOT_FIELD = "website"
HOUR = 3600
DAY = 86400


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window that refused ends

    @property
    def message(self) -> str:
        minutes = max(1, -(-self.retry_after // 60))
        phone = reach_us()["phone"]
        if phone:
            return _(
                "Too many submissions from your address or e-mail. Please try again in "
                "%(minutes)s minutes, or call us on %(phone)s."
            ) % {"minutes": minutes, "phone": phone}
        return _(
            "Too many submissions from your address or e-mail. Please try again in "
            "%(minutes)s minutes, or call us."
        ) % {"minutes": minutes}

    @property
    def in_words(self) -> str:
        """The message with the emergency contacts spelled out (for the API's 429 body)."""
        on_call = reach_us()["on_call"]
        if not on_call:
            return self.message
        listed = ", ".join(f"{c['name']} {c['phone']} ({c['service']})" for c in on_call)
        return (
            self.message
            + " "
            + _("At night, at weekends and on holidays, call the on-call staff: %(list)s.")
            % {"list": listed}
        )


def reach_us() -> dict:
    """How a customer the limits refused can still reach us: the representative phone number
    (``CHARTER_PUBLIC_PHONE``, else that of the public division's first service that has one)
    and the on-call contacts of the emergency contact network, as the directory says today."""
    from notifications.notices.selectors import emergency_network, seoul_today

    network = emergency_network(day=seoul_today(timezone.now()))
    phones = [
        (entry.service.division.code != settings.CHARTER_PUBLIC_DIVISION, entry.service.code, p)
        for entry in network
        if (p := entry.service.representative_phone)
    ]
    phone = settings.CHARTER_PUBLIC_PHONE or (min(phones)[2] if phones else "")
    on_call, seen = [], set()
    for entry in network:
        for contact in entry.contacts:
            number = contact.mobile or contact.phone
            if (contact.name, number) not in seen:
                seen.add((contact.name, number))
                on_call.append(
                    {"service": entry.service.name, "name": contact.name, "phone": number}
                )
    return {"phone": phone, "on_call": on_call}


def client_address(request) -> str:
    """The address limits count against: the peer, or — when the peer is one of
    ``CHARTER_TRUSTED_PROXIES`` — the right-most ``X-Forwarded-For`` entry that is not itself a
    trusted proxy (entries further left were written by the client and prove nothing). An IPv6
    client counts as its /64 network, which one subscriber usually holds whole."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return "unknown"
    trusted = [ipaddress.ip_network(net) for net in settings.CHARTER_TRUSTED_PROXIES]
    if trusted and _within(peer, trusted):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        for entry in reversed([item.strip() for item in forwarded.split(",")]):
            hop = _address(entry)
            if hop is None:
                break  # a malformed hop: trust nothing further left
            peer = hop
            if not _within(hop, trusted):
                break
    if peer.version == 6:
        return str(ipaddress.ip_network(f"{peer}/64", strict=False))
    return str(peer)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _within(address, networks) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def submission_check(*, address: str, email: str = "", scope: str = "submit") -> Verdict:
    """Count one attempt from ``address``, and from the pair (``email``, the client's network):
    every attempt counts, valid or not. Past either limit it is refused.

    The e-mail alone is counted by :func:`email_check`, and only for input that passed
    validation: invalid attempts naming someone's address from many places cannot lock that
    person out, and a flood from one network naming them locks out only that network."""
    limits = [
        (f"ip:{address}", HOUR, settings.CHARTER_PUBLIC_PER_IP_HOUR),
        (f"ip:{address}", DAY, settings.CHARTER_PUBLIC_PER_IP_DAY),
    ]
    digest = _email_digest(email)
    if digest:
        pair = f"pair:{digest}:{client_network(address)}"
        limits += [
            (pair, HOUR, settings.CHARTER_PUBLIC_PER_EMAIL_HOUR),
            (pair, DAY, settings.CHARTER_PUBLIC_PER_EMAIL_DAY),
        ]
    return _count(scope, limits)


def email_check(*, email: str, scope: str = "submit") -> Verdict:
    """Count one submission that passed validation for ``email``; refuse it past the limits."""
    digest = _email_digest(email)
    if not digest:
        return Verdict(allowed=True)
    return _count(
        scope,
        [
            (f"email:{digest}", HOUR, settings.CHARTER_PUBLIC_PER_EMAIL_HOUR),
            (f"email:{digest}", DAY, settings.CHARTER_PUBLIC_PER_EMAIL_DAY),
        ],
    )


def client_network(address: str) -> str:
    """The client's network: its /24 for IPv4 (``client_address`` gives IPv6 as its /64)."""
    try:
        network = ipaddress.ip_network(address, strict=False)
    except ValueError:  # "unknown"
        return address
    return str(network.supernet(new_prefix=24)) if network.version == 4 else str(network)


def _email_digest(email: str) -> str:
    email = (email or "").strip().lower()
    return hashlib.sha256(email.encode()).hexdigest()[:32] if email else ""  # no address kept


def lookup_check(*, address: str) -> Verdict:
    """Count one case look-up (tracking code and e-mail) from ``address``."""
    return _count(
        "lookup",
        [
            (f"ip:{address}", HOUR, settings.CHARTER_PUBLIC_LOOKUPS_PER_IP_HOUR),
            (f"ip:{address}", DAY, settings.CHARTER_PUBLIC_LOOKUPS_PER_IP_DAY),
        ],
    )


def honeypot_hit(data) -> bool:
    value = data.get(HONEYPOT_FIELD) if hasattr(data, "get") else None
    return bool(value and str(value).strip())


def decoy_tracking_code() -> str:
    """What a honeypot hit is shown: a code like a real one, which finds nothing."""
    return "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def _count(scope: str, limits: list[tuple[str, int, int]]) -> Verdict:
    now = int(timezone.now().timestamp())
    counted = []  # (key, window start, window, limit)
    for who, window, limit in limits:
        start = now - now % window
        counted.append((f"abuse:{scope}:{who}:{window}:{start}", start, window, limit))
    try:
        counts = _cache_incr_all([(key, window) for key, _start, window, _limit in counted])
    except Exception as exc:  # the shared cache (Redis) is down: never refuse for that
        _fallback_warn(exc)
        counts = [_local_incr(key, expires=start + window) for key, start, window, _ in counted]
    refused_for = 0
    for (_key, start, window, limit), count in zip(counted, counts, strict=True):
        if count > limit:
            refused_for = max(refused_for, start + window - now)
    return Verdict(allowed=refused_for == 0, retry_after=refused_for)


#: Every counter of one check in one round trip to Redis: each is incremented, and a counter
#: the increment created expires a minute after its window (``ARGV``: the seconds, in order).
_INCR_ALL = """
local counts = {}
for i, key in ipairs(KEYS) do
    local count = redis.call('INCR', key)
    if count == 1 then
        redis.call('EXPIRE', key, ARGV[i])
    end
    counts[i] = count
end
return counts
"""
_incr_all_script = []  # the registered script, once


def _cache_incr_all(keys: list[tuple[str, int]]) -> list[int]:
    """The counters ``keys`` (key, window) incremented, in the shared cache: one call to Redis
    for all of them (atomic: concurrent attempts are all counted); another cache backend (the
    local-memory cache of local mode) counts them one by one."""
    shared = caches["default"]
    if not isinstance(shared, RedisCache):
        return [_cache_incr(key, window) for key, window in keys]
    client = shared._cache.get_client(write=True)
    if not _incr_all_script:
        _incr_all_script.append(client.register_script(_INCR_ALL))
    counts = _incr_all_script[0](
        keys=[shared.make_and_validate_key(key) for key, _window in keys],
        args=[window + 60 for _key, window in keys],
        client=client,
    )
    return [int(count) for count in counts]


def _cache_incr(key: str, window: int) -> int:
    # add() then incr(): both atomic, so concurrent attempts are all counted.
    cache.add(key, 0, timeout=window + 60)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=window + 60)
        return 1


# --- While the shared cache is down: a counter in this process ------------------------------
# Each web process counts on its own until Redis answers again (so the limit is, at worst,
# multiplied by the number of processes); a submission is never refused because Redis is down.

_local_counts: dict[str, tuple[int, int]] = {}  # key → (count, expires at, epoch seconds)
_local_lock = threading.Lock()
_last_warning = [0.0]
WARN_EVERY = 60.0


def _local_incr(key: str, *, expires: int) -> int:
    now = int(timezone.now().timestamp())
    with _local_lock:
        if len(_local_counts) > 10_000:  # a flood of distinct keys: drop the expired ones
            for stale in [k for k, (_, until) in _local_counts.items() if until <= now]:
                del _local_counts[stale]
        count, until = _local_counts.get(key, (0, expires))
        if until <= now:
            count, until = 0, expires
        _local_counts[key] = (count + 1, until)
        return count + 1


def _fallback_warn(exc: Exception) -> None:
    """Log that the limits fell back to this process's counters (at most once a minute)."""
    with _local_lock:
        if time.monotonic() - _last_warning[0] < WARN_EVERY:
            return
        _last_warning[0] = time.monotonic()
    logger.warning(
        "rate limits: the shared cache is unreachable (%s: %s); counting in this process",
        exc.__class__.__name__,
        exc,
    )
