"""The operator's SMS gateway over HTTP: POST JSON to ``SMS_GATEWAY_URL`` with the key in the
``SMS_GATEWAY_KEY_HEADER`` header; the answer is JSON with the message's ``id``.

Errors: a 4xx answer (other than 408 and 429) means the gateway will never take this message,
so it is permanent; a 5xx, 408, 429, a timeout or a refused connection is temporary. An answer
of 2xx that is not JSON with an id is permanent too: the gateway may have taken the message, and
sending it again could deliver it twice — an admin decides (the admin's "retry" action).
"""

import http.client
import json
import urllib.error
import urllib.request

from django.conf import settings

from notifications.channels import Transport, TransportError
from notifications.channels.sms import outgoing
from notifications.models import Notification

TEMPORARY_4XX = frozenset({408, 425, 429})


class HttpSms(Transport):
    def send(self, notification: Notification) -> str:
        body = json.dumps(outgoing(notification), ensure_ascii=False).encode()
        request = urllib.request.Request(
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Accept": "application/json",
                settings.SMS_GATEWAY_KEY_HEADER: settings.SMS_GATEWAY_KEY,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_GATEWAY_TIMEOUT) as response:
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            with exc:  # the error is the open response too: close its socket
                detail = exc.read(500).decode(errors="replace")
            permanent = 400 <= exc.code < 500 and exc.code not in TEMPORARY_4XX
            raise TransportError(f"gateway {exc.code}: {detail}", permanent=permanent) from exc
        except (OSError, http.client.HTTPException) as exc:
            # Refused, reset, timed out (all OSError) or a broken HTTP answer: try again later.
            raise TransportError(f"gateway unreachable: {exc}") from exc
        return _provider_id(answer)


def _provider_id(answer: bytes) -> str:
    try:
        data = json.loads(answer)
    except ValueError:
        raise TransportError(
            f"gateway answered garbage: {answer[:200]!r}", permanent=True
        ) from None
    message_id = data.get("id") if isinstance(data, dict) else None
    if message_id in (None, ""):
        raise TransportError(f"gateway answered without an id: {answer[:200]!r}", permanent=True)
    return str(message_id)
