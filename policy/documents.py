"""Turn the bytes of a request document into a JSON object, or say why not.

Shared by `policy assess` (one document per file) and `policy batch` (one
document per line), so a malformed document reads the same in both.
"""

from __future__ import annotations

import json
from typing import Any

# Exit statuses every command shares: done, failed inside the package, input unusable.
EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class InputError(Exception):
    """An input that is not a request document at all (unreadable, not JSON, not an object)."""


_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JSON would silently keep the last of two equal keys: nothing is guessed.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise InputError(f"duplicate key {key!r}")
        document[key] = value
    return document


def _reject_constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number")


def parse_document(data: bytes | str) -> dict[str, Any]:
    """The JSON object `data` holds, or InputError saying why it is not one."""
    try:
        document = json.loads(data, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from error
    except (ValueError, RecursionError) as error:
        # Bytes that are not UTF-8, nesting too deep, a number too long to convert.
        raise InputError(f"not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise InputError(f"a request must be a JSON object, got {_JSON_TYPES.get(type(document), 'null')}")
    return document
