"""ICD-10-CM codes checked offline against the package's code table (policy/codes.py).

A code comes from a request, so it is judged by its length, its characters
and its shape first, uncached: only a string of the code shape, at most
eight ASCII characters, is ever looked up or remembered. ASCII is checked
before any case folding ('ſ' upper-cases to 'S', the Kelvin sign lower-cases
to 'k'), so no lookalike of a code is taken for it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from policy.codes import table
from policy.errors import Problem
from policy.limits import LIMITS
from policy.spec import register_format, shown

# Three characters, then up to four more after an optional dot. A misplaced dot
# or surrounding blanks are not guessed away (the JSON Schema states the same shape).
CODE_SHAPE = re.compile(r"^[A-Z][0-9][0-9A-Z](?:\.?[0-9A-Z]{1,4})?$")
# The longest string of the code shape: three characters, the dot, four more.
CODE_CHARS = 8


def load() -> None:
    """Read the code table now rather than on the first check (forked workers then share it)."""
    table()


def _bare(code: object) -> str | None:
    """A code of the code shape without its dot, in upper case; None for anything else."""
    if not isinstance(code, str) or len(code) > CODE_CHARS or not code.isascii():
        return None
    upper = code.upper()
    return upper.replace(".", "") if CODE_SHAPE.fullmatch(upper) else None


def normalize(code: str) -> str:
    """Upper-case, dotted form: 'm6080' -> 'M60.80'."""
    bare = code.strip().upper().replace(".", "")
    return bare if len(bare) <= 3 else f"{bare[:3]}.{bare[3:]}"


def title(code: str) -> str | None:
    """The ICD-10-CM title of a code ('E11.9' -> 'Type 2 diabetes mellitus without complications'), else None."""
    bare = _bare(code)
    return None if bare is None else table().title(bare)


def billable_under(code: str) -> list[str]:
    """Every billable code under a code, dotted, in order (none for a code that is not of the code shape)."""
    bare = _bare(code)
    return [] if bare is None else [normalize(c) for c in table().billable_under(bare)]


def problems(code: str, path: str) -> list[Problem]:
    """Why `code` is not a billable ICD-10-CM code (empty when it is)."""
    bare = _bare(code)
    if bare is None:
        return [Problem(path, f"expected an ICD-10-CM code such as M60.80 (ASCII letters and digits), "
                              f"got {shown(code)}")]
    return [Problem(path, message) for message in _verdict(bare)]


# Requests repeat a few codes; the key is a validated code of at most seven characters,
# so the cache holds at most a few hundred kilobytes whatever is sent.
@lru_cache(maxsize=4096)
def _verdict(bare: str) -> tuple[str, ...]:
    codes = table()
    dotted = normalize(bare)
    if not codes.is_code(bare):
        return (f"{dotted} is not an ICD-10-CM code",)
    if codes.is_billable(bare):
        return ()
    count = codes.billable_count(bare)
    listed = ", ".join(normalize(c) for c in codes.billable_under(bare, LIMITS.listed_codes))
    more = f" and {count - LIMITS.listed_codes} more" if count > LIMITS.listed_codes else ""
    return (f"{dotted} is a category, not a billable code; {count} billable {'code' if count == 1 else 'codes'} under it: "
            f"{listed}{more}",)


register_format("icd10-cm", lambda value, path: problems(value, path), normalize)
