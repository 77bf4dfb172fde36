"""OpenAPI schema additions shared by every app (drf-spectacular hooks).

Every error of the API has one shape, `{"message": …, "extra": {…}}` (cityplatform.api), and
the same few status codes; this hook documents them on each operation, so that clients (and
schemathesis, tests/reliability) know every answer the API may give.
"""

from typing import Any

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
}
METHODS = {"get", "post", "put", "patch", "delete"}


def _may_miss(path: str, operation: dict[str, Any]) -> bool:
    """An object named in the path, or a page past the last one ("Invalid page.")."""
    parameters = operation.get("parameters", [])
    return "{" in path or any(
        p.get("in") == "query" and p.get("name") == "page" for p in parameters
    )


def error_responses(result: dict[str, Any], generator, request, public) -> dict[str, Any]:
    """Adds the error answers (with the Error schema) that an operation does not document."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
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
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": reference}},
                    },
                )
    return result
