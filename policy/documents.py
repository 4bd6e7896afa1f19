"""Turn the bytes of a request document into a JSON object, or say why not.

Shared by `policy assess` (one document per file) and `policy batch` (one
document per line), so a malformed document reads the same in both. Bytes
are untrusted: more than the size limit is refused unread, bytes that are not
UTF-8 and nesting too deep to read are refused with a message, and nothing
from the document is quoted beyond its first characters.
"""

from __future__ import annotations

import json
from typing import Any

from policy.limits import LIMITS
from policy.spec import shown

# Exit statuses every command shares: done, failed inside the package, input unusable.
EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2


class InputError(Exception):
    """An input that is not a request document at all (unreadable, not JSON, not an object)."""


_JSON_TYPES = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}


def too_large(limit: int) -> InputError:
    return InputError(f"larger than {limit:,} bytes, the most a request document may be; refused unread")


# Far deeper than any request (LIMITS.depth is checked, with paths, by validation); past it a
# document is refused as unreadable, as json.loads refuses one it cannot nest into.
READ_DEPTH = 512


def _reject_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # JSON would silently keep the last of two equal keys: nothing is guessed.
    document: dict[str, Any] = {}
    for key, value in pairs:
        if key in document:
            raise InputError(f"duplicate key {shown(key)}")
        document[key] = value
    return document


def _reject_constant(name: str) -> Any:
    raise InputError(f"{name} is not a JSON number")


def parse_document(data: bytes | str, limit: int = LIMITS.request_bytes) -> dict[str, Any]:
    """The JSON object `data` holds, or InputError saying why it is not one.

    `limit` is the most bytes (or characters, for a str) a document may have.
    """
    if len(data) > limit:
        raise too_large(limit)
    try:
        document = json.loads(data, object_pairs_hook=_reject_duplicate_keys, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InputError(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from error
    except UnicodeDecodeError as error:
        raise InputError(f"not UTF-8 text: byte 0x{error.object[error.start]:02x} at offset {error.start} "
                         "cannot be decoded") from error
    except RecursionError as error:
        raise InputError(f"nested too deeply to be read (a request nests at most {LIMITS.depth} levels)") from error
    except ValueError as error:
        # A number too long to convert.
        raise InputError(f"not valid JSON: {error}") from error
    if not isinstance(document, dict):
        raise InputError(f"a request must be a JSON object, got {_JSON_TYPES.get(type(document), 'null')}")
    if _nested_beyond(document, READ_DEPTH):
        raise InputError(f"nested too deeply to be read (a request nests at most {LIMITS.depth} levels)")
    return document


def _nested_beyond(document: Any, depth: int) -> bool:
    """Whether the document nests deeper than `depth`, found without recursing.

    How deep `json.loads` itself goes before it gives up depends on the Python
    version (about 1,000 levels on 3.11, more on 3.13); this bound makes the
    refusal the same on every version.
    """
    level: list[Any] = [document]
    for _ in range(depth):
        level = [child for value in level for child in (value.values() if isinstance(value, dict) else value)
                 if isinstance(child, dict | list)]
        if not level:
            return False
    return True
