"""Which acts keep a promise: what we told the customer (the purpose), how (the channel), and,
on the outbox's channels, whether it counts when it is queued or only once the gateway accepted
it. Pure functions over a clock's frozen parameters, so a clock keeps the terms it started with.

A clock frozen before channels were part of the terms (no ``stop_channels`` key) accepts any
channel at once, as it did then.
"""

from django.utils.translation import gettext as _

from commitments.models.catalogue import CHANNEL_CHOICES, PURPOSE_CHOICES
from commitments.vocabulary import OUTBOX_CHANNELS

#: The act stops the clock when it is recorded.
NOW = "now"
#: The act stops the clock when the outbox's gateway accepts the message (e-mail or SMS).
ON_DELIVERY = "on_delivery"


def act_stops(params: dict, *, purpose: str, channel: str) -> str | None:
    """Whether telling the customer ``purpose`` by ``channel`` keeps a clock with ``params``:
    :data:`NOW`, :data:`ON_DELIVERY`, or ``None`` when that act does not keep it."""
    if purpose not in (params.get("stop_purposes") or []):
        return None
    channels = params.get("stop_channels") or []
    if channels and channel not in channels:
        return None
    if params.get("stop_on_delivery") and channel in OUTBOX_CHANNELS:
        return ON_DELIVERY
    return NOW


def stop_params(commitment) -> dict:
    """The part of a commitment's terms that says which acts keep it."""
    return {
        "stop_purposes": list(commitment.stop_purposes or []),
        "stop_channels": list(commitment.stop_channels or []),
        "stop_on_delivery": commitment.stop_on_delivery,
        "stop_status": commitment.stop_status,
    }


def acts_words(params: dict) -> str:
    """The acts that keep a clock with ``params``, in the reader's words, e.g. "Handling plan
    by SMS, once the gateway accepts it"; "" when no communication keeps it."""
    purposes = dict(PURPOSE_CHOICES)
    channels = dict(CHANNEL_CHOICES)
    said = [str(purposes[p]) for p in params.get("stop_purposes") or [] if p in purposes]
    if not said:
        return ""
    words = _("any answer") if len(said) == len(purposes) else _(" or ").join(said)
    by = [str(channels[c]) for c in params.get("stop_channels") or [] if c in channels]
    words = (
        _("%(what)s by %(how)s") % {"what": words, "how": _(" or ").join(by)}
        if by
        else _("%(what)s, by any channel") % {"what": words}
    )
    outbox = set(params.get("stop_channels") or OUTBOX_CHANNELS) & set(OUTBOX_CHANNELS)
    if params.get("stop_on_delivery") and outbox:
        words = _("%(acts)s (an e-mail or SMS once the gateway accepts it)") % {"acts": words}
    return words
