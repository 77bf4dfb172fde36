"""The one JSON loader for input from outside: MQTT payloads, webhook bodies, API request bodies,
WebSocket frames (the API's parser is `cityplatform.nul_guard.JSONParser`).

`json_loads_bounded(data, max_bytes=…)` bounds the size and the nesting depth *before* parsing
(Python's parser recurses once per level: 3,000 nested brackets raised RecursionError, which
stopped the gateway's writer; 400–900 levels parsed, then failed the batch that stored them), and
refuses what Python's json module reads but JSON or PostgreSQL's jsonb does not hold. Each refusal
is a typed error with a message for people and a short `label` for programs:

- `TooLarge`: more bytes than the caller allows;
- `TooDeep`: arrays and objects nested deeper than `MAX_DEPTH`;
- `NotJson`: not UTF-8, not JSON, or NaN / Infinity (not JSON numbers, RFC 8259);
- `BadNumber`: a number Python cannot hold as JSON gives it (1e400 becomes infinity; an integer of
  more than 4,300 digits is refused by `int`);
- `Nul`: a NUL character (U+0000) in a string (PostgreSQL text and jsonb hold none);
- `Surrogate`: a lone surrogate (`"\\ud800"`): valid JSON, not Unicode.

The depth check reads the text once with regular expressions (escapes out, strings out, brackets
counted) and a payload with fewer opening brackets than the limit skips it altogether, so the
gateway's 10,000 small messages a second pay two `str.count` calls for it.
"""

import json
import math
import re
from collections.abc import Mapping
from itertools import accumulate
from typing import Any

# No document of the protocol or the API comes near: a zone's MultiPolygon is 6 levels deep.
MAX_DEPTH = 32


class JsonRefused(ValueError):
    """Input refused by `json_loads_bounded`; `label` names the kind for programs."""

    label = "invalid JSON"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TooLarge(JsonRefused):
    label = "too large"


class TooDeep(JsonRefused):
    label = "too deep"


class NotJson(JsonRefused):
    label = "invalid JSON"


class BadNumber(JsonRefused):
    label = "number out of range"


class Nul(JsonRefused):
    label = "NUL character"


class Surrogate(JsonRefused):
    label = "invalid Unicode"


_ESCAPE = re.compile(r"\\.", re.DOTALL)
_STRING = re.compile(r'"[^"]*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text`, read without parsing it.

    Escapes go first (left to right, so `\\\\` and `\\"` pair as the parser pairs them), then
    strings, then everything but brackets. For text that is not JSON the figure is an upper
    bound of how deep a parser goes before it meets the first error, which is what matters."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", _ESCAPE.sub("", text)))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _refuse_constant(name: str):
    raise NotJson(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadNumber(f"a number out of range: {text[:40]}")
    return value


# One decoder, built once (json.loads with any option builds a new decoder on every call).
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def _text_problem(value: Any) -> JsonRefused | None:
    """A NUL character or a lone surrogate in any string (keys included) of `value`."""
    if isinstance(value, str):
        if "\x00" in value:
            return Nul("a NUL character (\\u0000) in a string")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return Surrogate("a lone surrogate: text that is not valid Unicode")
        return None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if problem := _text_problem(key) or _text_problem(item):
                return problem
    elif isinstance(value, list):
        for item in value:
            if problem := _text_problem(item):
                return problem
    return None


def json_loads_bounded(
    data: bytes | str, *, max_bytes: int | None, max_depth: int = MAX_DEPTH
) -> Any:
    """Parses JSON from outside as PostgreSQL can store it; raises a `JsonRefused` saying why.

    `data` is UTF-8 bytes or text; `max_bytes` bounds its size in bytes (None: no bound)."""
    if max_bytes is not None and len(data) > max_bytes:
        raise TooLarge(f"{len(data):,} bytes > {max_bytes:,}")
    if isinstance(data, bytes | bytearray):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:  # UTF-8 but for an encoded lone surrogate (ED A0 80 …): said as such
                data.decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                raise NotJson("not valid JSON: not UTF-8") from None
            raise Surrogate("a lone surrogate: text that is not valid Unicode") from None
    else:
        text = data
        if max_bytes is not None and len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise TooLarge(f"more than {max_bytes:,} bytes")
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")
    try:
        value = _DECODER.decode(text)
    except JsonRefused:
        raise
    except json.JSONDecodeError as error:
        raise NotJson(f"not valid JSON: {error}") from None
    except ValueError as error:  # int(): more than 4,300 digits
        raise BadNumber(f"a number out of range: {str(error)[:100]}") from None
    except RecursionError:  # not reached below MAX_DEPTH; a caller's own max_depth may be larger
        raise TooDeep("JSON nested too deep to parse") from None
    # An ASCII text can only carry either as a \u escape (the parser refuses a raw NUL in a
    # string), so most payloads skip the walk.
    if text.isascii() and "\\u" not in text:
        return value
    if problem := _text_problem(value):
        raise problem
    return value
