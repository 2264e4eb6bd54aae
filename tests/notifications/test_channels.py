"""The channel transports against real servers on 127.0.0.1: an SMTP server (aiosmtpd) and an
SMS gateway (``http.server`` in a thread)."""

import contextlib
import io
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from notifications.channels import TransportError, transport_for
from notifications.channels.email import EmailTransport
from notifications.channels.sms import (
    ConsoleSms,
    FileSms,
    message_type,
    normalise_phone,
    sendable_text,
)
from notifications.channels.sms_http import HttpSms
from notifications.models import Notification
from tests.notifications.conftest import free_port

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def message(pk: int = 7, **fields) -> Notification:
    """An unsaved outbox row: the transports read it and never write it."""
    defaults = {
        "idempotency_key": f"clock:{pk}:reminder-50:email:owner@example.com",
        "step": "reminder",
        "channel": "email",
        "recipient": "owner@example.com",
        "subject": "마감 알림: 요청 42",
        "body": "요청 42의 기한이 절반 지났습니다.",
    }
    return Notification(pk=pk, **(defaults | fields))


# --- E-mail over real SMTP -------------------------------------------------------------------


class ScriptedSmtpHandler:
    """Accepts and keeps messages; answers RCPT or DATA with a chosen code when told to."""

    def __init__(self) -> None:
        self.received = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.received.append(envelope)
        return "250 2.0.0 accepted"


@pytest.fixture
def smtp(settings):
    handler = ScriptedSmtpHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


def test_it_sends_an_email_over_smtp_with_its_message_id_as_provider_id(smtp):
    provider_id = EmailTransport().send(message(pk=7))

    [envelope] = smtp.received
    assert envelope.rcpt_tos == ["owner@example.com"]
    content = envelope.content.decode()
    assert f"Message-ID: {provider_id}" in content
    assert provider_id == "<notification.7@example.com>"


def test_a_recipient_refused_for_good_is_a_permanent_error(smtp):
    smtp.rcpt_reply = "550 5.1.1 No such user"

    with pytest.raises(TransportError) as raised:
        EmailTransport().send(message())

    assert raised.value.permanent
    assert "550" in raised.value.message


def test_a_server_asking_to_try_later_is_a_temporary_error(smtp):
    smtp.data_reply = "451 4.3.2 Service busy, try again later"

    with pytest.raises(TransportError) as raised:
        EmailTransport().send(message())

    assert not raised.value.permanent
    assert raised.value.message.startswith("SMTP 451")


def test_a_server_refusing_the_message_with_5xx_is_a_permanent_error(smtp):
    smtp.data_reply = "554 5.6.0 Message rejected"

    with pytest.raises(TransportError) as raised:
        EmailTransport().send(message())

    assert raised.value.permanent


def test_an_smtp_server_that_is_down_is_a_temporary_error(settings):
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2

    with pytest.raises(TransportError) as raised:
        EmailTransport().send(message())

    assert not raised.value.permanent
    assert "unreachable" in raised.value.message


@pytest.mark.parametrize("address", ["", "owner", "owner@", "a b@example.com"])
def test_an_invalid_address_is_a_permanent_error_without_touching_the_server(address, smtp):
    with pytest.raises(TransportError) as raised:
        EmailTransport().send(message(recipient=address))

    assert raised.value.permanent
    assert smtp.received == []


def test_a_subject_with_a_line_break_is_sent_on_one_line(mailoutbox):
    EmailTransport().send(message(subject="Reminder\nBcc: someone@example.com"))

    assert mailoutbox[0].subject == "Reminder Bcc: someone@example.com"


# --- SMS: numbers, bytes and types -----------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        ("010-1234-5678", "01012345678"),
        ("010 1234 5678", "01012345678"),
        ("+82 10-1234-5678", "01012345678"),
        ("02-3771-0000", "0237710000"),
        ("1577-0000", None),
        ("010-12", None),
        ("phone", None),
        ("", None),
    ],
)
def test_phone_numbers_are_korean_numbers_or_a_permanent_error(number, digits):
    if digits is None:
        with pytest.raises(TransportError) as raised:
            normalise_phone(number)
        assert raised.value.permanent
    else:
        assert normalise_phone(number) == digits


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("a" * 90, "SMS"),
        ("a" * 91, "LMS"),
        ("가" * 45, "SMS"),  # 90 bytes: two per Korean character
        ("가" * 45 + "a", "LMS"),
        ("가" * 44 + "ab", "SMS"),
        ("똠" * 45, "SMS"),  # outside KS X 1001: still two bytes in CP949
        ("😀" * 90, "SMS"),  # not sendable: "?" each, one byte
    ],
)
def test_bodies_over_90_bytes_in_euc_kr_go_as_lms(text, kind):
    assert message_type(text) == kind


def test_characters_no_handset_can_show_are_sent_as_question_marks():
    assert sendable_text("확인 😀 완료") == "확인 ? 완료"


def test_dashes_and_the_won_sign_keep_a_cp949_stand_in():
    text = sendable_text("common.feasibility — 수용 검토 – ₩1,000")

    assert text == "common.feasibility - 수용 검토 - ￦1,000"
    assert "?" not in text


def test_the_file_backend_writes_one_json_line_per_message(settings, tmp_path):
    settings.SMS_FILE_PATH, settings.SMS_SENDER = tmp_path / "sms", "02-3771-0000"

    first = FileSms().send(message(channel="sms", recipient="010-1234-5678", body="짧은 알림"))
    FileSms().send(message(channel="sms", recipient="010-9999-0000", body="가" * 60))

    lines = [
        json.loads(line) for line in (tmp_path / "sms" / "sms.jsonl").read_text().split("\n")[:-1]
    ]
    assert lines[0]["id"] == first
    assert [(line["to"], line["type"]) for line in lines] == [
        ("01012345678", "SMS"),
        ("01099990000", "LMS"),
    ]
    assert lines[0]["from"] == "02-3771-0000"
    assert lines[0]["text"] == "짧은 알림"


def test_the_console_backend_prints_the_message():
    stream = io.StringIO()

    provider_id = ConsoleSms(stream).send(message(channel="sms", recipient="010-1234-5678"))

    assert stream.getvalue().startswith(f"SMS {provider_id} ")
    assert '"to": "01012345678"' in stream.getvalue()


def test_the_sms_backend_follows_the_setting(settings):
    settings.SMS_BACKEND = "console"
    assert isinstance(transport_for("sms"), ConsoleSms)
    settings.SMS_BACKEND = "http"
    assert isinstance(transport_for("sms"), HttpSms)
    assert isinstance(transport_for("email"), EmailTransport)


# --- SMS over a real HTTP gateway ------------------------------------------------------------


class Gateway:
    """A tiny SMS gateway: records each POST and answers with a scripted status and body."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status, self.body, self.delay = 200, b'{"id": "gw-1"}', 0.0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {"headers": self.headers, "json": json.loads(self.rfile.read(length))}
                )
                time.sleep(gateway.delay)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(gateway.body)

            def log_message(self, *args):  # keep the test output clean
                pass

            def handle(self):
                # The timeout test's client is gone when the slow answer is written.
                with contextlib.suppress(ConnectionError):
                    super().handle()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def gateway(settings):
    running = Gateway()
    running.thread.start()
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_KEY = running.url, "secret-key"
    settings.SMS_GATEWAY_KEY_HEADER, settings.SMS_SENDER = "X-API-Key", "02-3771-0000"
    settings.SMS_GATEWAY_TIMEOUT = 1
    try:
        yield running
    finally:
        running.server.shutdown()
        running.server.server_close()


def sms(**fields) -> Notification:
    return message(**({"channel": "sms", "recipient": "010-1234-5678"} | fields))


def test_it_posts_the_sms_to_the_gateway_with_its_key_and_sender(gateway):
    provider_id = HttpSms().send(sms(body="요청 42: 기한 임박"))

    assert provider_id == "gw-1"
    [request] = gateway.requests
    assert request["headers"]["X-API-Key"] == "secret-key"
    assert request["json"] == {
        "from": "02-3771-0000",
        "to": "01012345678",
        "type": "SMS",
        "text": "요청 42: 기한 임박",
        "reference": "clock:7:reminder-50:email:owner@example.com",
    }


def test_a_long_text_goes_to_the_gateway_as_lms_with_a_subject(gateway):
    HttpSms().send(sms(body="가" * 46, subject="마감 알림"))

    sent = gateway.requests[0]["json"]
    assert (sent["type"], sent["subject"]) == ("LMS", "마감 알림")


@pytest.mark.parametrize(
    ("status", "body", "permanent", "reason"),
    [
        (200, b"<html>OK</html>", True, "garbage"),
        (200, b'{"result": "ok"}', True, "without an id"),
        (200, b"[1, 2]", True, "without an id"),
        (400, b'{"error": "bad number"}', True, "gateway 400"),
        (401, b'{"error": "bad key"}', True, "gateway 401"),
        (429, b'{"error": "slow down"}', False, "gateway 429"),
        (500, b"Internal Server Error", False, "gateway 500"),
        (503, b"", False, "gateway 503"),
    ],
)
def test_a_gateway_answering_badly_is_an_error_with_the_reason(
    gateway, status, body, permanent, reason
):
    gateway.status, gateway.body = status, body

    with pytest.raises(TransportError) as raised:
        HttpSms().send(sms())

    assert raised.value.permanent is permanent
    assert reason in raised.value.message


def test_a_gateway_that_does_not_answer_in_time_is_a_temporary_error(gateway):
    gateway.delay = 2.5

    with pytest.raises(TransportError) as raised:
        HttpSms().send(sms())

    assert not raised.value.permanent
    assert "unreachable" in raised.value.message


def test_a_gateway_that_is_down_is_a_temporary_error(gateway, settings):
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/v1/send"

    with pytest.raises(TransportError) as raised:
        HttpSms().send(sms())

    assert not raised.value.permanent


def test_an_invalid_phone_number_never_reaches_the_gateway(gateway):
    with pytest.raises(TransportError) as raised:
        HttpSms().send(sms(recipient="not a number"))

    assert raised.value.permanent
    assert gateway.requests == []
