"""Channel backends: one small class per channel, each turning an outbox row into a sent message.

``Transport.send(notification)`` returns the provider's id for the message, or raises
:class:`TransportError`. Only a temporary error is retried; a permanent one (an invalid address,
a refusal that will not change) fails the row at once, with the reason shown to admins.
"""

from notifications.models import Notification


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


class Transport:
    def send(self, notification: Notification) -> str:
        raise NotImplementedError


def transport_for(channel: str) -> Transport:
    """The transport for a notification channel, configured from the current settings."""
    # Imported here: each module imports this one for TransportError.
    from notifications.channels import email, sms

    if channel == "email":
        return email.EmailTransport()
    if channel == "sms":
        return sms.sms_transport()
    raise TransportError(f"no transport for the channel {channel!r}", permanent=True)
