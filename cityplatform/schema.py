"""OpenAPI schema additions shared by every app (drf-spectacular hooks).

Every error of the API has one shape, `{"message": …, "extra": {…}}` (cityplatform.api), and
the same few status codes; this hook documents them on each operation, so that clients (and
schemathesis, tests/reliability) know every answer the API may give. Times of day are
documented as what they are, local "HH:MM[:SS]" without an offset.
"""

from typing import Any

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from rest_framework import serializers

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "description": "What went wrong, for people"},
        "extra": {
            "type": "object",
            "additionalProperties": True,
            "description": "Details for programs (`fields`: the invalid fields and why)",
        },
    },
    "required": ["message", "extra"],
}
ERRORS = {
    "400": "Invalid input (`extra.fields` names the fields and why)",
    "401": "Not signed in, or bad credentials",
    "403": "Signed in without the permission this needs",
    "404": "No such object",
    "409": "Conflicts with the object's current state (an alarm closed already, …)",
}
UNSAFE = {"post", "put", "patch", "delete"}  # the methods that may meet a 409
THROTTLED = {
    "description": "Too many requests: try again later (Retry-After says when)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}
METHODS = {"get", "post", "put", "patch", "delete"}
# A time of day in the API is local wall-clock time (a rule's hours in its zone's time zone):
# "HH:MM[:SS[.ffffff]]", no offset, where OpenAPI's `format: time` (RFC 3339) demands one.
LOCAL_TIME = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
}


def _local_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node.update(LOCAL_TIME)
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


MAY_MISS = "x-may-miss"  # extend_schema(extensions={MAY_MISS: True}): a query names an object


def _may_miss(path: str, operation: dict[str, Any]) -> bool:
    """An object named in the path or by a query parameter (marked `MAY_MISS`), or a page past
    the last one ("Invalid page.")."""
    parameters = operation.get("parameters", [])
    return (
        "{" in path
        or operation.get(MAY_MISS, False)
        or any(p.get("in") == "query" and p.get("name") == "page" for p in parameters)
    )


def schema_postprocess(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Adds the error answers (with the Error schema) that an operation does not document,
    bounds integer ids in paths at 0, and documents local times of day."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    _local_times(result)
    reference = {"$ref": "#/components/schemas/Error"}
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if parameter.get("in") == "path" and schema.get("type") == "integer":
                    schema.setdefault("minimum", 0)  # ids: "-1" matches no route
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code == "404" and not _may_miss(path, operation):
                    continue
                if code == "409" and method not in UNSAFE:
                    continue
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result


def _through_nullable_relation(field: serializers.Field) -> bool:
    """A dotted source (`assignee.username`) that passes a relation which may be empty: DRF then
    renders null, whatever the last field is."""
    parts = field.source.split(".") if field.source else []
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if len(parts) < 2 or model is None:
        return False
    for part in parts[:-1]:
        try:
            relation = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if not relation.is_relation or relation.related_model is None:
            return False
        if relation.null:  # a nullable foreign key, or a reverse relation (always "null")
            return True
        model = relation.related_model
    return False


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, told what DRF renders: a field whose default is None, or
    whose source passes a relation that may be empty, may be null in a response (alarms'
    `assignee` was documented as a string); a throttled view may answer 429."""

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        may_be_null = isinstance(field, serializers.Field) and (
            field.default is None or _through_nullable_relation(field)
        )
        if direction == "response" and may_be_null:
            meta["nullable"] = True
        return meta

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is not None and self.view.get_throttles():
            operation.setdefault("responses", {}).setdefault("429", THROTTLED)
        return operation
