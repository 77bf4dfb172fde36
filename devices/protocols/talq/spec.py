"""The vendored TALQ 2.7.1 OpenAPI files, and requests checked against the CMS API's file.

The files are loaded as they are (`spec/`, sums in `spec/README.md`); only the server URL is
set, in memory, to the platform's base path `/talq/v2`. openapi-core validates each request's
parameters, headers and body; its findings become TALQ error messages (`TALQErrorMessage`:
`key` from the file's recommended keys, `description` in words).
"""

import functools
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from jsonschema_path import SchemaPath
from openapi_core import Config, OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from openapi_core.validation.request.exceptions import (
    InvalidParameter,
    InvalidRequestBody,
    MissingParameter,
    MissingRequestBodyError,
    MissingRequiredParameter,
)

from cityplatform.json_input import JsonRefused, json_loads_bounded

SPEC_DIR = Path(__file__).resolve().parent / "spec"
CMS_API_FILE = SPEC_DIR / "talq-api-cms-2-7-1-online.json"
GATEWAY_API_FILE = SPEC_DIR / "talq-api-gateway-2-7-1-online.json"
DATA_MODEL_FILE = SPEC_DIR / "talq-data-model-2-7-1-online.json"
BASE_PATH = "/talq/v2"
TALQ_VERSION = "2.7.1"
# The longest description kept from a schema error (a body's whole value can be in it).
_DESCRIPTION_LIMIT = 500


def _load(path: Path) -> OpenAPI:
    document = json.loads(path.read_text())
    document["servers"] = [{"url": BASE_PATH}]
    schema = SchemaPath.from_dict(document, base_uri=path.as_uri())
    # The files are the consortium's, checked by our contract test; not re-validated at load.
    return OpenAPI(schema, config=Config(spec_validator_cls=None))


@functools.cache
def cms_api() -> OpenAPI:
    """The CMS API (what gateways call on the platform), loaded once per process (~2 s)."""
    return _load(CMS_API_FILE)


def talq_error(key: str, description: str) -> dict[str, str]:
    """One TALQErrorMessage."""
    return {"key": key, "description": description[:_DESCRIPTION_LIMIT]}


def _schema_messages(error: Exception) -> str:
    cause = error.__cause__
    found = getattr(cause, "schema_errors", None) or ()
    messages = []
    for item in found:
        where = "/".join(str(p) for p in getattr(item, "absolute_path", ()))
        message = getattr(item, "message", str(item))
        messages.append(f"{where}: {message}" if where else message)
    return "; ".join(messages) or str(cause or error)


def _parameter_error(error: Exception) -> dict[str, str]:
    location = getattr(error, "location", "")
    name = getattr(error, "name", "")
    if isinstance(error, MissingRequiredParameter | MissingParameter):
        key = "headerMissing" if location == "header" else "parameterMissing"
        return talq_error(key, f"The {location} parameter {name!r} is missing.")
    key = "headerValueNotValid" if location == "header" else "parameterValueNotValid"
    return talq_error(
        key, f"The {location} parameter {name!r} is not valid: {_schema_messages(error)}"
    )


def request_errors(request: HttpRequest) -> tuple[int, list[dict[str, str]]]:
    """(status, TALQ errors) of a request against the CMS API's file; (200, []) when valid.

    404 for a path or method the file does not define; 400 for the rest, as the file says
    ("Request not as defined in the TALQ Specification")."""
    # unmarshal_request, not iter_request_errors: the latter took over a minute for a body
    # the former takes ~20 ms a device for (openapi-core 0.23.1; see docs/talq.md, Limits).
    try:
        result = cms_api().unmarshal_request(DjangoOpenAPIRequest(request))
    except (PathNotFound, OperationNotFound) as error:
        return 404, [talq_error("resourceNotFound", str(error))]
    errors = []
    for error in result.errors:
        if isinstance(error, InvalidParameter | MissingParameter | MissingRequiredParameter):
            errors.append(_parameter_error(error))
        elif isinstance(error, MissingRequestBodyError):
            errors.append(talq_error("payloadError", "The request has no body."))
        elif isinstance(error, InvalidRequestBody):
            errors.append(talq_error("payloadError", _schema_messages(error)))
        else:
            errors.append(talq_error("payloadError", str(error)))
    version = request.headers.get("talq-api-version")
    if version is not None and not version.startswith("2."):
        errors.append(
            talq_error(
                "headerValueNotValid",
                f"talq-api-version {version!r} is not served here: this CMS speaks {TALQ_VERSION}.",
            )
        )
    return (400, errors) if errors else (200, [])


def body_errors(request: HttpRequest) -> list[dict[str, str]]:
    """Reads the request's JSON body once, with the platform's bounded loader (size, depth,
    numbers, NUL), before openapi-core sees it: a body nested 100,000 deep, `1e999999`, an
    unclosed `{` or a NUL was a 500 out of the validator. The value is kept for `json_body`."""
    request.talq_body = None
    try:
        if not request.body:
            return []
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return [talq_error("payloadError", f"The body is larger than {limit:,} bytes.")]
    try:
        request.talq_body = json_loads_bounded(
            request.body, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
    except JsonRefused as refused:
        return [talq_error("payloadError", f"The body is refused: {refused}.")]
    return []


def json_body(request: HttpRequest) -> Any:
    """The request's JSON body, as `body_errors` read it (and `request_errors` validated it)."""
    return request.talq_body
