"""Certificates: ``cert.renewal-notice`` started by the certificate, kept only by the renewal
guidance (outbox e-mail/SMS or a logged phone call), breached otherwise; renewals; the CSV and
XLSX import with its preview of refused rows; the automatic guidance a month before expiry.

Worked due instants (``lead_time`` 1 month before the start of the expiry day, Asia/Seoul,
never moved off holidays or weekends): expiry Wed 2027-03-31 → due Sun 2027-02-28 00:00 KST
(Feb has no 31st: clamped); expiry Mon 2027-03-01 (삼일절, a holiday: no matter) → due Mon
2027-02-01 00:00 KST; a renewal to Fri 2028-03-31 → due Tue 2028-02-29 00:00 KST (leap year).
"""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client

from commitments.models import Deadline
from notifications.models import Notification
from requests_desk.models import Certificate
from tests.factories import CustomerContactFactory
from tests.requests_desk.api_support import client_for, customer, member_of
from tests.requests_desk.views_support import signed_in_member, text
from tests.seoul import at

pytestmark = pytest.mark.django_db

CERTIFICATES = "/api/v1/certificates/"
PAGES = "/desk/records/certificates/"
CODE = "cert.renewal-notice"


def payload(**changes) -> dict:
    return {
        "division": "infrastructure",
        "customer": customer(phone="010-1234-5678"),
        "product": "증권전자인증",
        "serial": "SN-0001",
        "expires_on": "2027-03-31",
        **changes,
    }


def clock(body: dict) -> dict:
    (found,) = [
        c for c in body["deadlines"] if c["commitment"] == CODE and not c["stopped_at"]
    ] or [c for c in body["deadlines"] if c["commitment"] == CODE][-1:]
    return found


def create(api, **changes) -> dict:
    with at(2027, 1, 4, 10):
        response = api.post(CERTIFICATES, payload(**changes), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_a_certificate_starts_its_clock_due_a_month_before_expiry(api):
    body = create(api)
    assert clock(body)["due_at"] == "2027-02-28T00:00:00+09:00"
    assert clock(body)["state"] == "running"
    assert body["customer"]["organisation"] == "Example Securities"


def test_guidance_by_email_and_sms_through_the_outbox_meets_the_clock(api, moment):
    body = create(api)
    with moment(2027, 2, 20, 9):  # the delivery pass reads the database's clock: pinned too
        response = api.post(f"{CERTIFICATES}{body['id']}/guide/", {"channels": ["email", "sms"]})
        assert response.status_code == 200, response.content
        # Queued is not told: the clock stops when the gateway accepts both messages.
        assert clock(response.json())["state"] == "running"
        call_command("deliver_notifications")
    assert clock(api.get(f"{CERTIFICATES}{body['id']}/").json())["state"] == "met"
    sent = Notification.objects.filter(subject_type="certificate", subject_id=str(body["id"]))
    assert sorted(sent.values_list("channel", "recipient")) == [
        ("email", "hong@example.com"),
        ("sms", "010-1234-5678"),
    ]
    email = sent.get(channel="email")
    assert email.subject.startswith("[인증서 갱신 안내]")
    assert "2027년 3월 31일(수)" in email.body


def test_without_guidance_the_sweep_records_the_breach(api):
    body = create(api)
    with at(2027, 2, 28, 0, 1):
        call_command("sweep_deadlines", now="2027-02-28T00:01:00+09:00", verbosity=0)
    assert Deadline.objects.get(pk=clock(body)["id"]).state == "breached"
    # Guidance on the phone after the due instant still stops it, as late.
    with at(2027, 3, 2, 10):
        late = api.post(
            f"{CERTIFICATES}{body['id']}/phone/",
            {"at": "2027-03-02T10:00:00+09:00", "told_person": "홍길동"},
            format="json",
        )
    assert late.status_code == 200, late.content
    stopped = Deadline.objects.get(pk=clock(body)["id"])
    assert (stopped.state, stopped.stopped_at is not None) == ("breached", True)


def test_a_phone_call_in_time_meets_the_clock_and_no_other_act_does(api):
    body = create(api)
    # A communication on a request is not the certificate's guidance: the clock runs on.
    assert clock(api.get(f"{CERTIFICATES}{body['id']}/").json())["state"] == "running"
    with at(2027, 2, 27, 17):
        response = api.post(
            f"{CERTIFICATES}{body['id']}/phone/",
            {"at": "2027-02-27T16:30:00+09:00", "told_person": "홍길동 과장"},
            format="json",
        )
    assert response.status_code == 200, response.content
    assert clock(response.json())["state"] == "met"


def test_bad_input_is_a_400_with_field_errors(api):
    with at(2027, 1, 4, 10):
        past = api.post(CERTIFICATES, payload(expires_on="2027-01-03"), format="json")
        serial = api.post(CERTIFICATES, payload(serial="SN 01/2"), format="json")
        both = api.post(
            CERTIFICATES,
            {**payload(), "customer_id": CustomerContactFactory().pk},
            format="json",
        )
    assert past.status_code == 400
    assert "expires_on" in past.json()
    assert serial.status_code == 400
    assert "serial" in serial.json()
    assert both.status_code == 400
    assert "customer" in both.json()
    body = create(api)
    with at(2027, 1, 4, 10):
        duplicate = api.post(CERTIFICATES, payload(), format="json")
        no_channel = api.post(f"{CERTIFICATES}{body['id']}/guide/", {"channels": []})
    assert duplicate.status_code == 400, duplicate.content
    assert no_channel.status_code == 400
    assert "channels" in no_channel.json()


def test_guidance_to_a_landline_only_contact_is_refused_by_sms(api):
    body = create(api, customer=customer(phone="02-1234-5678", email="land@example.com"))
    with at(2027, 2, 20, 9):
        response = api.post(f"{CERTIFICATES}{body['id']}/guide/", {"channels": ["sms"]})
    assert response.status_code == 400
    assert "channels" in response.json()


def test_a_renewal_closes_the_cycle_and_counts_the_next_from_the_new_expiry(api):
    body = create(api)
    with at(2027, 1, 10, 10):
        response = api.post(f"{CERTIFICATES}{body['id']}/renew/", {"expires_on": "2028-03-31"})
    assert response.status_code == 200, response.content
    clocks = response.json()["deadlines"]
    assert [c["state"] for c in clocks] == ["cancelled", "running"]
    assert clocks[1]["due_at"] == "2028-02-29T00:00:00+09:00"
    assert response.json()["expires_on"] == "2028-03-31"
    assert Deadline.objects.get(pk=clocks[1]["id"]).cycle == 2
    with at(2027, 1, 10, 10):
        earlier = api.post(f"{CERTIFICATES}{body['id']}/renew/", {"expires_on": "2027-03-01"})
    assert earlier.status_code == 400
    assert "expires_on" in earlier.json()


def test_another_division_cannot_see_or_record_certificates(api, people):
    body = create(api)
    market = client_for(people["market"])
    assert market.get(f"{CERTIFICATES}{body['id']}/").status_code == 404
    assert market.get(CERTIFICATES).json()["count"] == 0
    with at(2027, 1, 4, 10):
        refused = market.post(CERTIFICATES, payload(serial="SN-9"), format="json")
    assert refused.status_code == 403


def test_the_pages_record_and_show_a_certificate(client, charter, moment):
    with at(2027, 1, 4, 10):
        signed_in_member(client, "cert.staff")
        bad = client.post(
            f"{PAGES}new/",
            {
                "division": _infrastructure(),
                "organisation": "Example Securities",
                "customer_name": "홍길동",
                "email": "not-an-email",
                "product": "증권전자인증",
                "serial": "SN-0002",
                "expires_on": "2027-01-01",
                "language": "ko",
            },
        )
        assert bad.status_code == 400
        assert "SN-0002" in text(bad)  # what was typed is kept
        good = client.post(
            f"{PAGES}new/",
            {
                "division": _infrastructure(),
                "organisation": "Example Securities",
                "customer_name": "홍길동",
                "email": "hong@example.com",
                "phone": "010-1234-5678",
                "product": "증권전자인증",
                "serial": "SN-0002",
                "expires_on": "2027-03-01",
                "language": "ko",
            },
        )
    assert good.status_code == 302, text(good)
    certificate = Certificate.objects.get(serial="SN-0002")
    page = client.get(good["Location"])
    assert page.status_code == 200
    assert 'data-commitment="cert.renewal-notice" data-state="running"' in text(page)
    assert "2027-02-01" in text(page)  # due Mon 2027-02-01 00:00 KST
    listing = client.get(PAGES)
    assert f'data-record="{certificate.pk}"' in text(listing)
    with moment(2027, 1, 15, 10):
        sent = client.post(f"{PAGES}{certificate.pk}/guide/", {"channels": ["email"]})
        call_command("deliver_notifications")
    assert sent.status_code == 302
    assert (
        Deadline.objects.get(subject_type="certificate", subject_id=str(certificate.pk)).state
        == "met"
    )
    other = Client()
    other.force_login(member_of("market-it-infra", "market.cert"))
    assert other.get(f"{PAGES}{certificate.pk}/").status_code == 404


def _infrastructure() -> int:
    from commitments.models import Division

    return Division.objects.get(code="infrastructure").pk


CSV = (
    "organisation,contact_name,email,phone,product,serial,expires_on,language\n"
    "Example Securities,홍길동,hong@example.com,010-1234-5678,증권전자인증,SN-1001,2027-03-31,ko\n"
    "Example Futures,Jane Roe,jane@example.com,010-9876-5432,Trading cert,SN-1002,2027-04-30,en\n"
    "Example Bank,김철수,kim@example.com,,증권전자인증,SN-1003,2026-12-31,ko\n"
    "Example Bank,김영희,not-an-email,,증권전자인증,SN-1004,2027-05-01,ko\n"
    "Example Bank,박민수,park@example.com,,증권전자인증,SN-1001,31/03/2027,xx\n"
)


def _preview(client, content: bytes, name: str):
    upload = io.BytesIO(content)
    upload.name = name
    return client.post(
        f"{PAGES}import/", {"division": _infrastructure(), "file": upload, "preview": "1"}
    )


def test_a_csv_import_lists_bad_rows_and_imports_only_the_good_ones(client, charter):
    with at(2027, 1, 4, 10):
        signed_in_member(client, "cert.importer")
        preview = _preview(client, CSV.encode("utf-8-sig"), "certs.csv")
    assert preview.status_code == 200, text(preview)
    page = text(preview)
    assert Certificate.objects.count() == 0  # nothing written by the check
    assert 'data-row="4"' in page
    assert "이미 만료된 인증서입니다." in page
    assert 'data-row="5"' in page
    assert "email" in page
    assert 'data-row="6"' in page  # bad date and language, and a serial twice in the file
    assert 'data-row="2"' not in page
    assert 'data-row="3"' not in page
    signed = page.split('name="rows" value="')[1].split('"')[0]
    with at(2027, 1, 4, 10, 5):
        confirmed = client.post(f"{PAGES}import/", {"rows": signed, "confirm": "1"})
    assert confirmed.status_code == 302, text(confirmed)
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == ["SN-1001", "SN-1002"]
    jane = Certificate.objects.get(serial="SN-1002")
    assert jane.language == "en"
    assert (
        Deadline.objects.get(subject_id=str(jane.pk), subject_type="certificate").due_at.isoformat()
        == "2027-03-29T15:00:00+00:00"
    )  # Tue 2027-03-30 00:00 KST


def test_an_imported_certificate_gets_its_guidance_a_month_before_expiry_through_the_sweep(
    client, charter, moment
):
    with at(2027, 1, 4, 10):
        signed_in_member(client, "cert.importer2")
        preview = _preview(client, CSV.encode(), "certs.csv")
        signed = text(preview).split('name="rows" value="')[1].split('"')[0]
        client.post(f"{PAGES}import/", {"rows": signed, "confirm": "1"})
    jane = Certificate.objects.get(serial="SN-1002")  # expires 2027-04-30: due 03-30 00:00 KST
    hong = Certificate.objects.get(serial="SN-1001")  # expires 2027-03-31: due 02-28 00:00 KST
    with at(2027, 3, 1, 9):  # four weeks before Jane's guidance is due: nothing yet for her
        call_command("send_certificate_guidance", verbosity=0)
        call_command("sweep_deadlines", now="2027-03-01T09:00:00+09:00", verbosity=0)
    guidance = Notification.objects.filter(step="message", subject_type="certificate")
    assert not guidance.filter(subject_id=str(jane.pk))
    # The staff were reminded of it by the sweep meanwhile (50 % of the span).
    reminder = Notification.objects.filter(step="reminder", subject_id=str(jane.pk)).first()
    assert f"/desk/records/certificates/{jane.pk}/" in reminder.body  # the link to its page
    # Hong's clock was already past due: the sweep recorded the breach, the guidance went late.
    assert (
        Deadline.objects.get(subject_type="certificate", subject_id=str(hong.pk)).state
        == "breached"
    )
    with moment(2027, 3, 29, 9):  # within the day before due
        call_command("send_certificate_guidance", verbosity=0)
        call_command("sweep_deadlines", now="2027-03-29T09:00:00+09:00", verbosity=0)
        call_command("deliver_notifications")
    sent = guidance.filter(subject_id=str(jane.pk))
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "sms"]
    assert sent.get(channel="email").subject.startswith("[Certificate renewal]")  # her language
    assert Deadline.objects.get(subject_type="certificate", subject_id=str(jane.pk)).state == "met"


def test_an_xlsx_import_reads_date_cells_and_refuses_bad_rows(client, charter):
    import datetime

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["organisation", "contact_name", "email", "product", "serial", "expires_on"])
    sheet.append(
        [
            "Example Securities",
            "홍길동",
            "hong@example.com",
            "증권전자인증",
            "X-1",
            datetime.datetime(2027, 6, 30),
        ]
    )
    sheet.append(["Example Securities", "홍길동", "hong@example.com", "", "X-2", "2027-06-30"])
    buffer = io.BytesIO()
    book.save(buffer)
    with at(2027, 1, 4, 10):
        signed_in_member(client, "cert.xlsx")
        preview = _preview(client, buffer.getvalue(), "certs.xlsx")
        broken = _preview(client, b"not a workbook", "certs.xlsx")
        missing = _preview(client, b"serial\nX-9\n", "certs.csv")
    page = text(preview)
    assert preview.status_code == 200
    assert 'data-row="3"' in page
    assert "product" in page
    assert 'id="good-count"' in page
    assert "1" in page
    assert broken.status_code == 400
    assert "파일을 읽을 수 없습니다" in text(broken)
    assert missing.status_code == 400
    assert "organisation" in text(missing)


def test_a_cp949_csv_with_an_unknown_division_is_read_and_the_row_refused(client, charter):
    content = (
        "organisation,contact_name,email,product,serial,expires_on,division\n"
        "예시증권,홍길동,hong@example.com,증권전자인증,SN-2001,2027-06-30,\n"
        "예시증권,김철수,kim@example.com,증권전자인증,SN-2002,2027-06-30,nowhere\n"
    ).encode("cp949")
    with at(2027, 1, 4, 10):
        signed_in_member(client, "cert.cp949")
        preview = _preview(client, content, "certs.csv")
    page = text(preview)
    assert preview.status_code == 200, page
    assert 'data-row="3"' in page
    assert 'data-row="2"' not in page
    assert "organisation=예시증권" in page  # decoded, not mojibake


def test_the_admin_imports_a_clean_file_and_refuses_one_with_bad_rows(client, charter):
    from tests.factories import UserFactory

    admin_import = "/admin/requests_desk/certificate/import/"

    def upload(content: str):
        file = io.BytesIO(content.encode())
        file.name = "certs.csv"
        return client.post(admin_import, {"import_file": file, "format": "0", "resource": "0"})

    with at(2027, 1, 4, 10):
        client.force_login(UserFactory(is_superuser=True))
        refused = upload(
            CSV.replace(",ko\n", ",ko,infrastructure\n")
            .replace(",en\n", ",en,infrastructure\n")
            .replace("language\n", "language,division\n")
        )
        assert refused.status_code == 200
        assert 'name="import_file_name"' not in text(refused)  # nothing to confirm
        assert "이미 만료된 인증서입니다." in text(refused)  # the bad row's error, listed
        assert Certificate.objects.count() == 0
        good = upload(
            "organisation,contact_name,email,phone,product,serial,expires_on,language,division\n"
            "Example Securities,홍길동,hong@example.com,010-1234-5678,증권전자인증,SN-3001,"
            "2027-03-31,ko,infrastructure\n"
        )
        page = text(good)
        assert 'name="import_file_name"' in page, page
        fields = {
            name: page.split(f'name="{name}" value="')[1].split('"')[0]
            for name in ("import_file_name", "original_file_name", "format", "resource")
        }
        done = client.post("/admin/requests_desk/certificate/process_import/", fields)
        assert done.status_code == 302, text(done)
    certificate = Certificate.objects.get(serial="SN-3001")
    assert (
        Deadline.objects.get(
            subject_type="certificate", subject_id=str(certificate.pk)
        ).due_at.isoformat()
        == "2027-02-27T15:00:00+00:00"
    )  # Sun 2027-02-28 00:00 KST
    history = client.get(f"/admin/requests_desk/certificate/{certificate.pk}/history/")
    assert history.status_code == 200
