"""Read a request body as JSON within bounds, before any FHIR model sees it.

Refused with 413 when larger than allowed; with 400 when it is not strict
UTF-8 JSON (NaN, Infinity, numbers beyond a float, lone surrogates), or when
it nests deeper, holds more values, or longer strings or keys than the
limits allow. The walk is iterative, so no input depth can exhaust the stack.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from policy.fhir.limits import FHIR_LIMITS, FhirLimits
from policy.fhir.outcome import STRUCTURE, TOO_COSTLY, Issue, Unusable

_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(body: bytes, limits: FhirLimits = FHIR_LIMITS, root: str = "$this") -> Any:
    """The JSON value of `body`, or Unusable (413 or 400) saying why not."""
    if len(body) > limits.body_bytes:
        raise Unusable(413, [Issue(root, f"the body is larger than {limits.body_bytes} bytes", TOO_COSTLY)])
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Unusable(400, [Issue(root, "the body is not UTF-8 text", STRUCTURE)]) from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise Unusable(400, [Issue(root, f"the JSON nests deeper than {limits.depth} levels", TOO_COSTLY)]) from None
    except ValueError as error:
        # json's messages give the place, never the content: safe to pass on.
        raise Unusable(400, [Issue(root, f"the body is not JSON: {str(error)[:200]}", STRUCTURE)]) from None
    check_bounds(value, limits, root)
    return value


def check_bounds(value: Any, limits: FhirLimits = FHIR_LIMITS, root: str = "$this") -> None:
    """Unusable (400) when `value` exceeds a limit or holds what JSON text cannot carry."""
    nodes = 0
    stack: list[tuple[Any, int, str]] = [(value, 0, root)]
    while stack:
        current, depth, path = stack.pop()
        nodes += 1
        if nodes > limits.nodes:
            raise Unusable(400, [Issue(root, f"the JSON holds more than {limits.nodes} values", TOO_COSTLY)])
        if depth > limits.depth:
            raise Unusable(400, [Issue(path, f"the JSON nests deeper than {limits.depth} levels", TOO_COSTLY)])
        if isinstance(current, dict):
            for key, item in current.items():
                if len(key) > limits.key_chars:
                    raise Unusable(400, [Issue(path, f"a key is longer than {limits.key_chars} characters",
                                               TOO_COSTLY)])
                if _SURROGATE.search(key):
                    raise Unusable(400, [Issue(path, "a key holds a lone surrogate (not Unicode text)",
                                               STRUCTURE)])
                stack.append((item, depth + 1, f"{path}.{key}"))
        elif isinstance(current, list):
            stack.extend((item, depth + 1, f"{path}[{index}]") for index, item in enumerate(current))
        elif isinstance(current, str):
            if len(current) > limits.string_chars:
                raise Unusable(400, [Issue(path, f"a string is longer than {limits.string_chars} characters",
                                           TOO_COSTLY)])
            if _SURROGATE.search(current):
                raise Unusable(400, [Issue(path, "a string holds a lone surrogate (not Unicode text)", STRUCTURE)])
        elif isinstance(current, float) and not math.isfinite(current):
            raise Unusable(400, [Issue(path, "a number is beyond the range of a decimal", STRUCTURE)])


def dumps(value: Any) -> bytes:
    """JSON bytes of a response (ASCII escapes: whatever it quotes, it always encodes)."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")


__all__ = ["check_bounds", "dumps", "parse_json"]
