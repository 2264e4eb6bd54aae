"""Incidents through the API and the pages: the clocks each kind owes, the SMS to the affected
customers (kept only when the gateway accepts it), the result to the same people, requests
linked to the incident, access by division, and bad input as field errors.

A BCP trouble is detected on Wed 2026-10-07 at 22:00 KST, at night: ``bcp.trouble-sms`` is due
30 minutes later (22:30) and ``bcp.trouble-result`` three hours later (Thu 01:00), around the
clock. The affected customers are those who brought a request on the BCP service in the last
year: 김민수 (mobile 010-1111-2222) and 박지영 (landline 02-555-0100, no SMS).
"""

import json

import pytest
from django.core.management import call_command

from notifications.incidents.models import Incident
from tests.requests_desk.api_support import client_for, create, customer, read
from tests.seoul import at

pytestmark = pytest.mark.django_db

INCIDENTS = "/api/v1/incidents/"
DETECTED = "2026-10-07T22:00:00+09:00"


@pytest.fixture
def sms_file(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return tmp_path / "sms" / "sms.jsonl"


@pytest.fixture
def admin(people):
    return client_for(people["admin"])


@pytest.fixture
def affected(admin, django_capture_on_commit_callbacks):
    """Two customers with requests on the BCP service, filed in September."""
    with at(2026, 9, 10, 10), django_capture_on_commit_callbacks(execute=True):
        create(
            admin,
            service="bcp",
            customer=customer(name="김민수", email="kim@example.com", phone="010-1111-2222"),
        )
        create(
            admin,
            service="bcp",
            customer=customer(name="박지영", email="park@example.com", phone="02-555-0100"),
        )


def record(api, **changes):
    payload = {
        "kind": "bcp",
        "division": "infrastructure",
        "services": ["bcp"],
        "title": "BCP 회선 장애",
        "description": "백업 센터 회선 단절",
        "detected_at": DETECTED,
        **changes,
    }
    return api.post(INCIDENTS, payload, format="json")


def recorded(api, capture, **changes) -> dict:
    with at(2026, 10, 7, 22, 5), capture(execute=True):
        response = record(api, **changes)
    assert response.status_code == 201, response.content
    return response.json()


def tell(api, incident, capture, phase="plan", channel="sms", text="회선 장애: 복구 중입니다."):
    with capture(execute=True):
        return api.post(
            f"{INCIDENTS}{incident['id']}/tell/",
            {"phase": phase, "channel": channel, "text": text},
            format="json",
        )


def clocks(body: dict) -> dict[str, dict]:
    return {clock["commitment"]: clock for clock in body["deadlines"]}


def current(api, incident) -> dict:
    response = api.get(f"{INCIDENTS}{incident['id']}/")
    assert response.status_code == 200
    return response.json()


def test_a_bcp_incident_recorded_at_night_starts_both_clocks_from_detection(
    admin, django_capture_on_commit_callbacks
):
    body = recorded(admin, django_capture_on_commit_callbacks)

    found = clocks(body)
    assert set(found) == {"bcp.trouble-sms", "bcp.trouble-result"}
    # 22:00 + 30 minutes; 22:00 + 3 hours, past midnight (24×7 clocks).
    assert found["bcp.trouble-sms"]["due_at"] == "2026-10-07T22:30:00+09:00"
    assert found["bcp.trouble-result"]["due_at"] == "2026-10-08T01:00:00+09:00"
    assert body["services"] == ["bcp"]
    assert Incident.history.filter(id=body["id"], history_type="+").exists()


def test_a_network_trouble_counts_from_the_report_and_a_data_problem_from_detection(
    admin, django_capture_on_commit_callbacks
):
    network = recorded(
        admin, django_capture_on_commit_callbacks, kind="network", services=["network"]
    )
    data = recorded(
        admin,
        django_capture_on_commit_callbacks,
        kind="data",
        division="information",
        services=[_information_service()],
    )

    # Reported (recorded) at 22:05: the plan is due 22:35.
    assert {c: v["due_at"] for c, v in clocks(network).items()} == {
        "network.trouble-plan": "2026-10-07T22:35:00+09:00"
    }
    # Detected at 22:00: the product's contacts are owed word by 22:10.
    assert {c: v["due_at"] for c, v in clocks(data).items()} == {
        "info.problem-10min": "2026-10-07T22:10:00+09:00"
    }


def _information_service() -> str:
    from commitments.models import Service

    return Service.objects.filter(division__code="information").order_by("code").first().code


@pytest.mark.usefixtures("affected")
def test_the_sms_goes_to_the_mobile_numbers_and_keeps_the_clock_once_the_gateway_accepts_it(
    admin, moment, sms_file, django_capture_on_commit_callbacks
):
    incident = recorded(admin, django_capture_on_commit_callbacks)
    with at(2026, 10, 7, 22, 10):
        response = tell(admin, incident, django_capture_on_commit_callbacks)

    assert response.status_code == 200, response.content
    message = response.json()["messages"][0]
    assert message["recipients"] == 1
    # The landline is skipped visibly, to be called instead.
    assert message["skipped"] == ["박지영 (Example Securities)"]
    # Queued, not yet accepted: the promise is not kept yet.
    assert clocks(response.json())["bcp.trouble-sms"]["state"] == "running"

    with moment(2026, 10, 7, 22, 12), django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_notifications")

    sent = [json.loads(line) for line in sms_file.read_text(encoding="utf-8").splitlines()]
    assert [(s["to"], "회선 장애: 복구 중입니다." in s["text"]) for s in sent] == [
        ("01011112222", True)
    ]
    sms_clock = clocks(current(admin, incident))["bcp.trouble-sms"]
    assert sms_clock["state"] == "met"
    assert sms_clock["stopped_at"] == "2026-10-07T22:12:00+09:00"


@pytest.mark.usefixtures("affected")
def test_the_result_goes_to_the_same_people_and_keeps_the_result_clock(
    admin, moment, sms_file, django_capture_on_commit_callbacks
):
    incident = recorded(admin, django_capture_on_commit_callbacks)
    with at(2026, 10, 7, 22, 10):
        tell(admin, incident, django_capture_on_commit_callbacks)
    with moment(2026, 10, 7, 22, 11), django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_notifications")
    with at(2026, 10, 8, 0, 30):
        response = tell(
            admin, incident, django_capture_on_commit_callbacks, phase="result", text="복구 완료"
        )
    assert response.status_code == 200, response.content
    with moment(2026, 10, 8, 0, 31), django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_notifications")

    body = current(admin, incident)
    assert {c: v["state"] for c, v in clocks(body).items()} == {
        "bcp.trouble-sms": "met",
        "bcp.trouble-result": "met",
    }
    sent = [json.loads(line)["to"] for line in sms_file.read_text().splitlines()]
    assert sent == ["01011112222", "01011112222"]


@pytest.mark.usefixtures("affected")
def test_a_phone_call_never_keeps_the_sms_promise(admin, django_capture_on_commit_callbacks):
    incident = recorded(admin, django_capture_on_commit_callbacks)
    with at(2026, 10, 7, 22, 10):
        response = tell(
            admin,
            incident,
            django_capture_on_commit_callbacks,
            channel="phone",
            text="김민수께 전화",
        )

    assert response.status_code == 200
    assert clocks(response.json())["bcp.trouble-sms"]["state"] == "running"


def test_an_sms_audience_without_any_mobile_number_is_refused_naming_them(
    admin, django_capture_on_commit_callbacks
):
    with at(2026, 9, 10, 10), django_capture_on_commit_callbacks(execute=True):
        create(admin, service="bcp", customer=customer(name="박지영", phone="02-555-0100"))
    incident = recorded(admin, django_capture_on_commit_callbacks)

    with at(2026, 10, 7, 22, 10):
        response = tell(admin, incident, django_capture_on_commit_callbacks)

    assert response.status_code == 400
    assert "박지영 (Example Securities)" in response.json()["channel"][0]
    assert current(admin, incident)["messages"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"detected_at": "2026-10-07T23:00:00+09:00"}, "detected_at"),  # an hour ahead of now
        ({"services": ["no-such-service"]}, "services"),
        ({"services": []}, "services"),
        ({"kind": "volcano"}, "kind"),
        ({"division": "market"}, "services"),  # BCP is not a Market service
        ({"detected_at": "2026-10-07T22:00:00"}, "detected_at"),  # no offset
        ({"title": ""}, "title"),
    ],
)
def test_bad_input_is_a_field_error_never_a_500(admin, changes, field):
    with at(2026, 10, 7, 22, 5):
        response = record(admin, **changes)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Incident.objects.exists()


def test_another_divisions_incidents_are_out_of_sight(
    admin, people, django_capture_on_commit_callbacks
):
    incident = recorded(admin, django_capture_on_commit_callbacks)
    market = client_for(people["market"])

    assert market.get(f"{INCIDENTS}{incident['id']}/").status_code == 404
    assert market.get(INCIDENTS).json()["results"] == []
    with at(2026, 10, 7, 22, 5):
        refused = record(market)
    assert refused.status_code == 400
    assert "division" in refused.json()


def test_a_request_is_linked_to_the_incident_that_caused_it(
    admin, django_capture_on_commit_callbacks
):
    incident = recorded(admin, django_capture_on_commit_callbacks)
    with at(2026, 10, 7, 22, 20), django_capture_on_commit_callbacks(execute=True):
        caused = create(admin, kind="bcp_trouble", service="bcp", channel="phone")
        linked = admin.post(
            f"{INCIDENTS}{incident['id']}/link/",
            {"request": caused["tracking_code"]},
            format="json",
        )
        unknown = admin.post(
            f"{INCIDENTS}{incident['id']}/link/", {"request": "NOPE"}, format="json"
        )

    assert linked.status_code == 200
    assert linked.json()["requests"] == [caused["id"]]
    assert read(admin, caused)["incident"] == incident["id"]
    assert unknown.status_code == 400
    assert "request" in unknown.json()


@pytest.mark.usefixtures("affected", "korean")
def test_the_pages_record_an_incident_and_name_who_an_sms_cannot_reach(
    client, people, django_capture_on_commit_callbacks
):
    client.force_login(people["staff"])  # Network Support: Infrastructure HO
    form = {
        "kind": "bcp",
        "division": "infrastructure",
        "services": ["bcp"],
        "title": "BCP 회선 장애",
        "detected_at": "2026-10-07T22:00",
    }
    with at(2026, 10, 7, 22, 5), django_capture_on_commit_callbacks(execute=True):
        future = client.post("/desk/incidents/new/", {**form, "detected_at": "2026-10-08T09:00"})
        made = client.post("/desk/incidents/new/", form)

    assert future.status_code == 400
    assert "미래" in future.content.decode() or "future" in future.content.decode()
    assert 'value="BCP 회선 장애"' in future.content.decode()  # what was typed is kept
    assert made.status_code == 302
    with at(2026, 10, 7, 22, 6):
        page = client.get(made.url).content.decode()
        listing = client.get("/desk/incidents/").content.decode()
    assert "박지영 (Example Securities)" in page
    assert 'data-commitment="bcp.trouble-sms" data-state="running"' in page
    assert "BCP 회선 장애" in listing


def test_the_incident_list_runs_the_same_queries_for_one_incident_or_four(
    admin, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    recorded(admin, django_capture_on_commit_callbacks)
    with CaptureQueriesContext(connection) as one:
        assert admin.get(INCIDENTS).status_code == 200
    for kind, service in (("network", "network"), ("bcp", "bcp"), ("network", "network")):
        recorded(admin, django_capture_on_commit_callbacks, kind=kind, services=[service])
    with CaptureQueriesContext(connection) as four:
        listed = admin.get(INCIDENTS).json()["results"]

    assert len(listed) == 4
    assert all(incident["deadlines"] for incident in listed)
    assert len(four.captured_queries) == len(one.captured_queries)


def test_a_contact_subscribed_to_the_service_hears_of_it_without_any_request(
    admin, moment, sms_file, django_capture_on_commit_callbacks
):
    from commitments.models import Service
    from tests.factories import CustomerContactFactory

    subscriber = CustomerContactFactory(name="이수진", phone="010-3333-4444")
    subscriber.subscribed_services.add(Service.objects.get(code="bcp"))
    CustomerContactFactory(name="정다은", phone="010-5555-6666")  # subscribed to nothing
    incident = recorded(admin, django_capture_on_commit_callbacks)

    with at(2026, 10, 7, 22, 10):
        response = tell(admin, incident, django_capture_on_commit_callbacks)
    with moment(2026, 10, 7, 22, 12), django_capture_on_commit_callbacks(execute=True):
        call_command("deliver_notifications")

    assert response.status_code == 200, response.content
    sent = [json.loads(line)["to"] for line in sms_file.read_text().splitlines()]
    assert sent == ["01033334444"]
    assert clocks(current(admin, incident))["bcp.trouble-sms"]["state"] == "met"


def test_a_network_plan_by_phone_is_kept_at_once_and_a_data_notice_by_sms_once_delivered(
    admin, moment, sms_file, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    service = _information_service()
    with at(2026, 9, 10, 10), capture(execute=True):
        create(
            admin,
            division="information",
            service=service,
            customer=customer(name="최영호", phone="010-7777-8888"),
        )
    network = recorded(admin, capture, kind="network", services=["network"])
    data = recorded(admin, capture, kind="data", division="information", services=[service])

    with at(2026, 10, 7, 22, 8):
        by_phone = tell(admin, network, capture, channel="phone", text="담당자께 전화로 계획 안내")
        by_sms = tell(admin, data, capture, text="시세 데이터 지연: 확인 중")
    assert clocks(by_phone.json())["network.trouble-plan"]["state"] == "met"
    assert clocks(by_sms.json())["info.problem-10min"]["state"] == "running"

    with moment(2026, 10, 7, 22, 9), capture(execute=True):
        call_command("deliver_notifications")

    kept = clocks(current(admin, data))["info.problem-10min"]
    # Detected 22:00, due 22:10; accepted by the gateway 22:09.
    assert kept["state"] == "met"
    assert kept["stopped_at"] == "2026-10-07T22:09:00+09:00"


@pytest.fixture
def network_customers(admin, django_capture_on_commit_callbacks):
    """Two customers with requests on the network service, filed in September."""
    with at(2026, 9, 10, 10), django_capture_on_commit_callbacks(execute=True):
        for name, email in (("한지민", "han@example.com"), ("오세훈", "gone@example.com")):
            create(admin, service="network", customer=customer(name=name, email=email))


@pytest.mark.usefixtures("network_customers")
def test_a_network_plan_by_e_mail_is_kept_once_every_mail_is_delivered(
    admin, moment, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    network = recorded(admin, capture, kind="network", services=["network"])  # due 22:35
    with at(2026, 10, 7, 22, 8):
        told = tell(admin, network, capture, channel="email", text="22시 40분까지 복구 예정")
    assert told.status_code == 200, told.content
    assert told.json()["messages"][0]["recipients"] == 2
    # Queued is not told: the promise waits for the mail server.
    assert clocks(told.json())["network.trouble-plan"]["state"] == "running"
    with moment(2026, 10, 7, 22, 9), capture(execute=True):
        call_command("deliver_notifications")
    kept = clocks(current(admin, network))["network.trouble-plan"]
    assert (kept["state"], kept["stopped_at"]) == ("met", "2026-10-07T22:09:00+09:00")


@pytest.mark.usefixtures("network_customers")
def test_a_network_plan_the_mail_server_refuses_for_one_customer_ends_breached(
    admin, smtp, moment, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    smtp.unknown.add("gone@example.com")
    network = recorded(admin, capture, kind="network", services=["network"])  # due 22:35
    with at(2026, 10, 7, 22, 8):
        assert tell(admin, network, capture, channel="email").status_code == 200
    with moment(2026, 10, 7, 22, 9), capture(execute=True):
        call_command("deliver_notifications")
    notices = [m.recipients for m in smtp.messages if "Trouble notice" in m.subject]
    assert notices == [("han@example.com",)]
    assert clocks(current(admin, network))["network.trouble-plan"]["state"] == "running"
    with moment(2026, 10, 7, 22, 36), capture(execute=True):
        call_command("sweep_deadlines")
    assert clocks(current(admin, network))["network.trouble-plan"]["state"] == "breached"
