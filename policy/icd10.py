"""ICD-10-CM codes checked against the code table of `simple-icd-10-cm` (offline).

The table takes about a second to load, so it is loaded on first use.
"""

from __future__ import annotations

import re
import threading
import warnings
from functools import cache, lru_cache
from types import ModuleType

from policy.errors import Problem
from policy.spec import register_format, shown

# Three characters, then up to four more after an optional dot. A misplaced dot
# or surrounding blanks are not guessed away (the JSON Schema states the same shape).
CODE_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
LISTED_AT_MOST = 40
_lock = threading.Lock()


@cache
def _table() -> ModuleType:
    with _lock, warnings.catch_warnings():
        # The library reads its data with importlib.resources calls that some
        # Python versions deprecate; the warning is not the caller's concern.
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm

        module: ModuleType = simple_icd_10_cm
        return module


def load() -> None:
    """Load the code table now rather than on the first check (it takes about a second)."""
    _table()


def normalize(code: str) -> str:
    """Upper-case, dotted form: 'm6080' -> 'M60.80'."""
    bare = code.strip().upper().replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


# Reports name the codes of each request: one table lookup per distinct valid code.
@lru_cache(maxsize=1024)
def title(code: str) -> str | None:
    """The ICD-10-CM title of a valid code ('E11.9' -> 'Type 2 diabetes mellitus without complications'), else None."""
    if not CODE_SHAPE.fullmatch(code):
        return None
    try:
        return str(_table().get_description(code))
    except ValueError:
        return None


def billable_under(code: str) -> list[str]:
    table = _table()
    return sorted(c for c in table.get_descendants(code) if table.is_leaf(c))


def problems(code: str, path: str) -> list[Problem]:
    """Why `code` is not a billable ICD-10-CM code (empty when it is)."""
    return [Problem(path, message) for message in _verdict(code)]


# Requests repeat a few codes: the table lookups are done once per distinct code.
@lru_cache(maxsize=4096)
def _verdict(code: str) -> tuple[str, ...]:
    if not CODE_SHAPE.fullmatch(code.upper()):
        return (f"expected an ICD-10-CM code such as M60.80, got {shown(code)}",)
    bare = code.upper().replace(".", "")
    table = _table()
    dotted = normalize(code)
    if not table.is_valid_item(bare):
        return (f"{dotted} is not an ICD-10-CM code",)
    if table.is_leaf(bare):
        return ()
    codes = billable_under(bare)
    listed = ", ".join(codes[:LISTED_AT_MOST])
    more = f" and {len(codes) - LISTED_AT_MOST} more" if len(codes) > LISTED_AT_MOST else ""
    return (f"{dotted} is a category, not a billable code; billable codes under it: {listed}{more}",)


register_format("icd10-cm", lambda value, path: problems(value, path), normalize)
