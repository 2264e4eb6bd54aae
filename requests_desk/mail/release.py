"""Releasing an e-mail from quarantine: a person decides that what held it back (its size, an
attachment that looks executable) is acceptable, and it is filed as if it had just come in.

Only that check is lifted: the message must still be readable, and the desk's own checks
still apply (an executable attachment is not kept on the case; it is named in a note and stays
in the raw e-mail). A message that cannot be read (malformed MIME, an unknown charset, no
sender) stays in quarantine. One the desk's services refused is filed again with no check
lifted (a routing rule or setting may have been fixed since).

A message is filed once: its record is locked and must still be in quarantine, so a second
release (a double click, two admins) files nothing more."""

from django.db import transaction
from django.utils.translation import gettext as _

from requests_desk.mail.ingest import mail_file_again, own_addresses
from requests_desk.mail.parse import LIFTABLE, Unacceptable, mail_parse
from requests_desk.models import InboundMessage, InboundOutcome

#: The reason the desk's services give when they refused to file a message.
REFUSED = "refused"


class NotReleased(Exception):
    """The message stays where it is; the text says why."""


def quarantine_release(record: InboundMessage, *, actor) -> InboundMessage:
    """File ``record``, a message in quarantine, lifting the check that held it back; the
    record as it is now. Raises :class:`NotReleased` (nothing changed) when it cannot be."""
    with transaction.atomic():
        locked = InboundMessage.objects.select_for_update().get(pk=record.pk)
        if locked.outcome != InboundOutcome.QUARANTINED:
            raise NotReleased(_("It is no longer in quarantine."))
        held_for = locked.reason.partition(":")[0].strip()
        if held_for not in LIFTABLE | {REFUSED}:
            raise NotReleased(_("It cannot be read: %(reason)s") % {"reason": locked.reason})
        parsed = _parsed(locked, allow=LIFTABLE & {held_for})
        was = locked.reason
        locked.sender, locked.subject = parsed.sender, parsed.subject[:300]
        locked.outcome, locked.reason = InboundOutcome.NEW_CASE, ""
        mail_file_again(locked, parsed)
        if locked.outcome == InboundOutcome.QUARANTINED:
            # Refused again by the desk's services: roll back, leave the record as it was.
            raise NotReleased(locked.reason)
        released = f"released from quarantine by {actor.get_username()} (held for {was})"
        locked.reason = "; ".join(filter(None, [locked.reason, released]))
        locked.save(update_fields=["sender", "subject", "outcome", "reason", "request", "activity"])
    return locked


def _parsed(record: InboundMessage, *, allow: frozenset[str]):
    try:
        with record.raw.open("rb") as file:
            raw = file.read()
    except (OSError, ValueError) as exc:
        raise NotReleased(_("The raw message is missing.")) from exc
    try:
        return mail_parse(
            raw, own_addresses=own_addresses(), message_id=record.message_id, allow=allow
        )
    except Unacceptable as refusal:
        raise NotReleased(_("It cannot be read: %(reason)s") % {"reason": refusal}) from refusal
    except Exception as exc:  # what the parser chokes on stays where it is
        raise NotReleased(_("It cannot be read: %(reason)s") % {"reason": repr(exc)}) from exc
