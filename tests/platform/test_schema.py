"""The OpenAPI schema says what the API takes and gives (issue #14, item 19): request bodies of
the views that read an input serializer, nulls DRF renders, and the error answers of writes.
(tests/reliability/test_schemathesis.py checks the answers themselves against it.)"""

import ast
from pathlib import Path

import pytest
from drf_spectacular.generators import SchemaGenerator

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _request_schema(schema, path, method):
    body = schema["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    name = body["$ref"].rsplit("/", 1)[-1]
    return schema["components"]["schemas"][name]


def test_override_creation_documents_the_scope_it_takes(schema):
    """It documented scope_kind, light_ids and a required author; it takes {"scope": {…}}."""
    body = _request_schema(schema, "/api/v1/lighting/overrides/", "post")
    assert "scope" in body["required"] and "author" not in body["properties"]
    assert "scope_kind" not in body["properties"]
    scope = schema["components"]["schemas"][body["properties"]["scope"]["$ref"].rsplit("/")[-1]]
    assert {"light_ids", "group_id", "zone_id", "latitude", "longitude", "radius_m"} <= set(
        scope["properties"]
    )


@pytest.mark.parametrize(
    ("component", "field"),
    [("Alarm", "assignee"), ("Alarm", "rule"), ("LightCommand", "completed_at")],
)
def test_fields_rendered_as_null_are_documented_nullable(schema, component, field):
    assert schema["components"]["schemas"][component]["properties"][field].get("nullable")


@pytest.mark.parametrize("action", ["acknowledge", "assign", "hold", "close"])
def test_alarm_actions_document_their_409(schema, action):
    responses = schema["paths"][f"/api/v1/cctv/alarms/{{id}}/{action}/"]["post"]["responses"]
    assert responses["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }


def test_throttled_views_document_their_429(schema):
    assert "429" in schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]


def _reads_an_input_serializer(source: str) -> bool:
    return "_valid(s." in source or (
        "(data=request.data)" in source and "get_serializer(" not in source
    )


def test_every_view_reading_an_input_serializer_documents_it():
    """A view that validates its body with a serializer other than its serializer_class must
    say so (extend_schema(request=…)), or the schema documents the wrong body."""
    undocumented = []
    for path in sorted(ROOT.glob("*/api/*.py")):
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
                continue
            if not _reads_an_input_serializer(ast.get_source_segment(source, node)):
                continue
            decorators = " ".join(ast.get_source_segment(source, d) for d in node.decorator_list)
            if "request=" not in decorators:
                undocumented.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert undocumented == []
