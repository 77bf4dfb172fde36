"""The annual review report as a file: CSV (one section after another, each with its own
header row) and PDF (ReportLab's platypus: a title, the summary, then one table per section).

ReportLab was chosen because it installs from PyPI alone (pure Python over Pillow); WeasyPrint
needs the system's Pango."""

import io
from collections.abc import Iterator
from datetime import date, datetime

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from cctv.review.selectors import ReviewReport
from cityplatform.csvsafe import csv_lines


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def review_summary(report: ReviewReport) -> list[tuple[str, object]]:
    """The headline figures, in the order the page, the CSV and the PDF show them."""
    return [
        ("Retention period (days)", report.retention_days),
        ("Purge runs", len(report.purges)),
        ("Purged on time", report.purges_on_time),
        ("Purged late", report.purges_late),
        ("Longest gap between purges (hours)", report.longest_gap_hours),
        ("Events deleted", report.events_deleted),
        ("Alarms deleted", report.alarms_deleted),
        ("Snapshots deleted", report.snapshots_deleted),
        ("Legal holds in force", len(report.holds)),
        ("Legal holds overdue for review", sum(h["review_overdue"] for h in report.holds)),
        ("Disclosures", len(report.disclosures)),
        ("Evidence exports", len(report.exports)),
        ("Audit entries", sum(report.audit_by_action.values())),
        ("Purpose reviews", len(report.purposes_reviewed)),
        ("Purposes overdue for review", len(report.purposes_overdue)),
    ]


# (title, the report's list, [(column header, key)])
SECTIONS = (
    (
        "Retention purges",
        "purges",
        [
            ("Ran at", "at"),
            ("Hours since the previous run", "hours_since_previous"),
            ("Late", "late"),
            ("Events deleted", "events_deleted"),
            ("Alarms deleted", "alarms_deleted"),
            ("Events held", "events_held"),
            ("Alarms held", "alarms_held"),
        ],
    ),
    (
        "Legal holds",
        "holds",
        [
            ("Hold", "id"),
            ("Reason", "reason"),
            ("Owner", "owner"),
            ("Placed", "placed"),
            ("Review due", "review_due"),
            ("Released", "released"),
            ("Events", "events"),
            ("Alarms", "alarms"),
            ("Review overdue", "review_overdue"),
        ],
    ),
    (
        "Disclosures",
        "disclosures",
        [
            ("Date", "disclosed_on"),
            ("Exhibit", "exhibit_ref"),
            ("Recipient", "recipient"),
            ("Organisation", "organisation"),
            ("Reason", "reason"),
            ("Method", "method"),
        ],
    ),
    (
        "Evidence exports",
        "exports",
        [
            ("Exported at", "exported_at"),
            ("Exhibit", "exhibit_ref"),
            ("Purpose", "purpose"),
            ("Requested by", "requested_by"),
            ("Exported by", "exported_by"),
            ("Events", "events"),
        ],
    ),
    (
        "Purposes reviewed",
        "purposes_reviewed",
        [("Purpose", "purpose"), ("Reviewed", "reviewed"), ("By", "by"), ("Next", "next_review")],
    ),
    (
        "Purposes overdue for review",
        "purposes_overdue",
        [("Purpose", "purpose"), ("Last reviewed", "last_reviewed"), ("Due", "next_review")],
    ),
)


def review_tables(report: ReviewReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """(title, header, rows) of every section, as text: the CSV's and the PDF's tables."""
    tables = [("Summary", ["Figure", "Value"], [[k, _text(v)] for k, v in review_summary(report)])]
    for title, attribute, columns in SECTIONS:
        rows = [[_text(item[key]) for _, key in columns] for item in getattr(report, attribute)]
        tables.append((title, [header for header, _ in columns], rows))
    tables.append(
        (
            "Audit entries by action",
            ["Action", "Entries"],
            [[a, str(n)] for a, n in report.audit_by_action.items()],
        )
    )
    tables.append(
        (
            "Audit entries by role",
            ["Role", "Entries"],
            [[r, str(n)] for r, n in report.audit_by_role.items()],
        )
    )
    return tables


def review_csv(report: ReviewReport) -> Iterator[str]:
    """The sections one after another: a title row, a header row, the rows, a blank row."""
    lines = []
    for title, header, rows in review_tables(report):
        lines.extend([[f"# {title}"], header, *rows, []])
    yield from csv_lines([f"Annual review {report.year}"], lines)


def review_pdf(report: ReviewReport, *, title: str) -> bytes:
    styles = getSampleStyleSheet()
    cell = styles["BodyText"].clone("cell", fontSize=8, leading=10)
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        author="Secure City Platform",
    )
    story = [
        Paragraph(title, styles["Title"]),
        Paragraph(
            f"Surveillance Camera Code, principle 10. Year {report.year}, "
            f"{_text(report.since.date())} to {_text(report.until.date())} (exclusive). "
            f"Produced {_text(timezone.now())}.",
            styles["BodyText"],
        ),
    ]
    for heading, header, rows in review_tables(report):
        story += [Spacer(1, 4 * mm), Paragraph(heading, styles["Heading2"])]
        if not rows:
            story.append(Paragraph("None in the year.", styles["BodyText"]))
            continue
        data = [[Paragraph(_escape(c), cell) for c in row] for row in [header, *rows]]
        table = Table(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe6ee")),
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story.append(table)
    document.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    """Paragraph reads a little markup: the report's texts are shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
