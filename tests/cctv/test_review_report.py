"""The annual review report (Surveillance Camera Code, principle 10) for a seeded year: purges
on time and late, the holds in force and their reasons, disclosures and exports, the audit
summary and the purposes reviewed; as a page, a CSV and a real PDF; for supervisors only."""

import base64
import csv
import io
import re
import zlib
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from cctv.models import Disclosure, EvidenceExport, LegalHold, PurgeRun
from cctv.review.selectors import review_report
from cctv.services.register import purpose_create, purpose_review
from cityplatform.roles import Role

pytestmark = pytest.mark.django_db

YEAR = 2025


def at(month: int, day: int, hour: int = 2, year: int = YEAR) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def seeded(make_user):
    """2025: four purges (one after a 72-hour gap), holds in and out of the year, one export
    with its disclosure, and one outside the year."""
    boss = make_user(Role.SECURITY_SUPERVISOR, username="chief")
    PurgeRun.objects.create(at=at(12, 31, year=2024), cutoff=at(11, 30, year=2024))
    for when, deleted in [(at(1, 1), 10), (at(1, 2), 20), (at(1, 5), 30), (at(1, 6, 3), 40)]:
        PurgeRun.objects.create(
            at=when, cutoff=when - timedelta(days=31), events_deleted=deleted, alarms_deleted=1
        )
    PurgeRun.objects.create(at=at(1, 1, year=2026), cutoff=at(12, 1), events_deleted=999)

    def hold(reason, created, review_due, released=None):
        return LegalHold.objects.create(
            reason=reason,
            owner=boss,
            review_due=review_due,
            created_at=created,
            created_by="chief",
            released_at=released,
        )

    hold("Police investigation 01/2345", at(3, 1), date(2025, 9, 1), released=at(6, 1))
    hold("Insurance claim, Cheapside collision", at(11, 1, year=2024), date(2025, 5, 1))
    hold(
        "Closed before the year",
        at(1, 1, year=2024),
        date(2024, 6, 1),
        released=at(12, 1, year=2024),
    )
    hold("Placed after the year", at(2, 1, year=2026), date(2026, 8, 1))

    def export(ref, when):
        return EvidenceExport.objects.create(
            exhibit_ref=ref,
            purpose="Assault on Cheapside",
            requested_by="DC Smith, City of London Police",
            exported_by=boss,
            exported_at=when,
            file="x.zip",
            package_sha256="0" * 64,
            event_count=3,
        )

    in_year = export("EXH-2025-001", at(4, 10))
    Disclosure.objects.create(
        export=in_year,
        disclosed_on=date(2025, 4, 11),
        recipient="DC Smith",
        organisation="City of London Police",
        reason="Criminal investigation",
        method="encrypted USB",
        recorded_by=boss,
        recorded_at=at(4, 11),
    )
    export("EXH-2026-001", at(1, 5, year=2026))
    return boss


def test_the_report_counts_purges_on_time_and_late_and_the_holds_in_force(seeded):
    report = review_report(year=YEAR)
    assert (len(report.purges), report.purges_on_time, report.purges_late) == (4, 3, 1)
    assert report.longest_gap_hours == 72.0 and report.events_deleted == 100
    late = [p for p in report.purges if p["late"]]
    assert [p["at"] for p in late] == [at(1, 5)]
    holds = {h["reason"]: h for h in report.holds}
    assert set(holds) == {"Police investigation 01/2345", "Insurance claim, Cheapside collision"}
    assert holds["Insurance claim, Cheapside collision"]["review_overdue"] is True
    assert holds["Police investigation 01/2345"]["review_overdue"] is False
    assert [d["exhibit_ref"] for d in report.disclosures] == ["EXH-2025-001"]
    assert [e["exhibit_ref"] for e in report.exports] == ["EXH-2025-001"]


def test_the_audit_summary_and_the_purposes_reviewed_this_year(make_user):
    boss = make_user(Role.SECURITY_SUPERVISOR)
    purpose = purpose_create(
        data={
            "name": "Cheapside",
            "public_description": "Crime prevention",
            "operator": "City CCTV",
            "contact": "cctv@city.example",
        },
        actor=boss,
    )
    purpose_create(
        data={"name": "Never reviewed", "public_description": "x", "operator": "o", "contact": "c"},
        actor="import",
    )
    purpose_review(purpose=purpose, next_review=date.today() + timedelta(days=365), actor=boss)
    report = review_report(year=date.today().year)
    assert report.audit_by_action == {"cctv.purpose_created": 2, "cctv.purpose_reviewed": 1}
    assert report.audit_by_role == {"Security supervisors": 2, "system": 1}
    assert [r["purpose"] for r in report.purposes_reviewed] == ["Cheapside"]
    assert [p["purpose"] for p in report.purposes_overdue] == ["Never reviewed"]


def pdf_text(body: bytes) -> str:
    """The text drawn on the PDF's pages: each content stream decoded as its /Filter says
    (ReportLab writes ASCII85 over Flate), the strings of its text operators joined."""
    chunks = []
    for filters, raw in re.findall(
        rb"/Filter \[([^\]]*)\][^>]*>>\s*stream\r?\n(.*?)endstream", body, re.S
    ):
        data = raw.strip()
        if b"ASCII85Decode" in filters:
            data = base64.a85decode(data.removesuffix(b"~>"))
        if b"FlateDecode" in filters:
            data = zlib.decompress(data)
        chunks.append(data)
    strings = re.findall(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", b"\n".join(chunks))
    return " ".join(s.decode("latin-1") for s in strings)


def test_supervisors_get_the_page_the_csv_and_a_real_pdf(seeded):
    client = Client()
    client.force_login(seeded)
    page = client.get(f"/cctv/review/{YEAR}/").content.decode()
    assert "Purged late" in page and "Police investigation 01/2345" in page
    assert "EXH-2025-001" in page and "EXH-2026-001" not in page

    rows = list(csv.reader(io.StringIO(client.get(f"/cctv/review/{YEAR}/csv/").content.decode())))
    figures = {row[0]: row[1] for row in rows if len(row) == 2}
    assert figures["Purged on time"] == "3" and figures["Purged late"] == "1"
    assert figures["Legal holds in force"] == "2" and figures["Disclosures"] == "1"
    assert ["# Legal holds"] in rows

    answer = client.get(f"/cctv/review/{YEAR}/pdf/")
    body = answer.content
    assert answer["Content-Type"] == "application/pdf" and body.startswith(b"%PDF-")
    assert body.rstrip().endswith(b"%%EOF")
    text = pdf_text(body)
    assert "CCTV annual review 2025" in text and "Purged late" in text
    assert "Insurance claim, Cheapside collision" in text and "EXH-2025-001" in text


def test_operators_and_anonymous_cannot_see_the_report(seeded, make_user):
    for role in (Role.SECURITY_OPERATOR, Role.VIEWER, Role.LIGHTING_OPERATOR):
        client = Client()
        client.force_login(make_user(role))
        for suffix in ("", "csv/", "pdf/"):
            assert client.get(f"/cctv/review/{YEAR}/{suffix}").status_code == 403
    assert Client().get(f"/cctv/review/{YEAR}/pdf/").status_code == 302  # to the sign-in page


def test_a_year_outside_the_records_is_not_found(seeded):
    client = Client()
    client.force_login(seeded)
    assert client.get("/cctv/review/1999/").status_code == 404
    assert client.get(f"/cctv/review/{date.today().year + 1}/").status_code == 404
