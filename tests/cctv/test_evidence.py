"""Evidence packages: exported by permitted roles only, logged with the disclosure, verified
against their manifest (and refused after a single changed byte)."""

import io
import json
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from cctv.models import Alarm, Disclosure, EvidenceExport
from cctv.services.evidence import evidence_verify
from cctv.services.rules import alarm_rule_create
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from tests.cctv.conftest import device_event

pytestmark = pytest.mark.django_db

EXPORTS = "/api/v1/cctv/exports/"


@pytest.fixture(autouse=True)
def evidence_dir(settings, tmp_path):
    settings.CCTV_EVIDENCE_DIR = tmp_path / "evidence"


@pytest.fixture
def alarm(camera, ingest):
    alarm_rule_create(actor="t", name="Intrusion", event_types=["intrusion"], retrigger_s=600)
    ingest([device_event(camera, "a"), device_event(camera, "b")])
    return Alarm.objects.get()


@pytest.fixture
def supervisor(make_user, api_client):
    return api_client(make_user(Role.SECURITY_SUPERVISOR))


def export_alarm(client, alarm):
    return client.post(
        EXPORTS,
        {"alarm": alarm.pk, "purpose": "Criminal damage inquiry", "requested_by": "PC 123, CoLP"},
        format="json",
    )


def test_an_alarm_package_holds_its_records_and_verifies(alarm, supervisor, tmp_path):
    response = export_alarm(supervisor, alarm)
    assert response.status_code == 201, response.json()
    export = EvidenceExport.objects.get()
    body = response.json()
    assert body["exhibit_ref"] == export.exhibit_ref and body["event_count"] == 2
    package = supervisor.get(f"{EXPORTS}{export.pk}/download/")
    data = b"".join(package.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        events = json.loads(archive.read("records/events.json"))
    assert manifest["exhibit_ref"] == export.exhibit_ref
    assert manifest["purpose"] == "Criminal damage inquiry"
    assert manifest["requested_by"] == "PC 123, CoLP"
    assert {f["name"] for f in manifest["files"]} == {"records/alarm.json", "records/events.json"}
    assert all(len(f["sha256"]) == 64 for f in manifest["files"])
    assert sorted(e["event_id"] for e in events) == ["a", "b"]
    assert evidence_verify(package=data).ok
    path = tmp_path / "copy.zip"
    path.write_bytes(data)
    call_command("verify_evidence", str(path))  # exit code 0
    audit = AuditEntry.objects.get(action="cctv.evidence_exported")
    assert audit.details["exhibit_ref"] == export.exhibit_ref


def test_one_changed_byte_fails_verification(alarm, supervisor, tmp_path):
    export_alarm(supervisor, alarm)
    export = EvidenceExport.objects.get()
    data = bytearray(Path(export.file).read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("records/events.json")
    # One byte inside the stored record, past its local header.
    position = info.header_offset + 30 + len(info.filename) + len(info.extra) + 5
    data[position] ^= 0x01
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(data))
    result = evidence_verify(package=tampered)
    assert not result.ok and result.problems
    with pytest.raises(CommandError):
        call_command("verify_evidence", str(tampered))


def test_a_byte_changed_outside_the_records_fails_too(alarm, supervisor, tmp_path):
    export_alarm(supervisor, alarm)
    data = bytearray(Path(EvidenceExport.objects.get().file).read_bytes())
    data[10] ^= 0x01  # the first local header's modification time: no file content changes
    assert not evidence_verify(package=bytes(data)).ok


def test_a_window_export_and_its_disclosure_are_logged(camera, ingest, supervisor):
    ingest([device_event(camera, "m", type="motion")])
    now = timezone.now()
    response = supervisor.post(
        EXPORTS,
        {
            "camera": camera.device_id,
            "start": (now - timedelta(hours=1)).isoformat(),
            "end": (now + timedelta(minutes=1)).isoformat(),
            "purpose": "Road traffic collision",
            "requested_by": "Insurer",
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["event_count"] == 1
    export_id = response.json()["id"]
    disclosed = supervisor.post(
        f"{EXPORTS}{export_id}/disclosures/",
        {
            "disclosed_on": date.today().isoformat(),
            "recipient": "A. Claims",
            "organisation": "Example Insurance Ltd",
            "reason": "Collision claim 42",
            "method": "Encrypted portal",
        },
        format="json",
    )
    assert disclosed.status_code == 201
    assert Disclosure.objects.get().organisation == "Example Insurance Ltd"
    assert AuditEntry.objects.filter(action="cctv.evidence_disclosed").count() == 1
    listed = supervisor.get(f"{EXPORTS}{export_id}/disclosures/").json()
    assert [d["recipient"] for d in listed] == ["A. Claims"]


def test_operators_and_viewers_cannot_export_or_see_exports(alarm, make_user, api_client):
    for role in (Role.SECURITY_OPERATOR, Role.VIEWER):
        client = api_client(make_user(role))
        assert export_alarm(client, alarm).status_code == 403
        assert client.get(EXPORTS).status_code == 403
    assert not EvidenceExport.objects.exists()


def test_an_export_needs_a_purpose_and_a_requester(alarm, supervisor):
    response = supervisor.post(
        EXPORTS, {"alarm": alarm.pk, "purpose": "", "requested_by": ""}, format="json"
    )
    assert response.status_code == 400
    assert {"purpose", "requested_by"} <= set(response.json()["extra"]["fields"])


def test_a_window_outside_1970_to_9998_is_a_400_naming_the_field(camera, supervisor):
    """A year-162 instant was stored and rendered in London's mean time (-00:01:15), which is
    not RFC 3339 (found by the full-size schemathesis run)."""
    response = supervisor.post(
        EXPORTS,
        {
            "camera": camera.device_id,
            "start": "0162-01-10T19:51:34Z",
            "end": "2026-01-10T20:00:00Z",
            "purpose": "Road traffic collision",
            "requested_by": "Insurer",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "start" in response.json()["extra"]["fields"]
    assert not EvidenceExport.objects.exists()
