"""The ICD-10-CM code table shipped inside the package, loaded in milliseconds.

`simple-icd-10-cm` parses the classification's XML on import (seconds of
CPU in every process); the package reads `policy/data/icd10cm.zlib`
instead, built from it by `tools/build-code-table` and checked against it,
code by code, by `tests/test_code_table.py`. It holds only what the package
reads: every code of the ICD-10-CM code shape (without its dot, upper case),
whether it is billable (a leaf of the classification) and its title.

A code's descendants are the codes it is a prefix of (the test checks this
against the classification's tree for every category), so the billable
codes under a category are one range of the sorted codes.

The file: a header line (`FORMAT`, then what it was built from), a line with
the byte length of the first of two zlib-compressed UTF-8 parts, then the
parts. The first holds the codes (separated by spaces, sorted) and, on a
second line, one `1` (billable) or `0` per code; the second, one title per
line. Checking a code reads only the first part (a few milliseconds); the
titles are decompressed when a report first asks for one.
"""

from __future__ import annotations

import threading
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from importlib import resources

import attrs
from attrs import frozen

FORMAT = "icd10cm-table 2"
DATA_FILE = "icd10cm.zlib"
BILLABLE, CATEGORY = "1", "0"
REBUILD = "rebuild it with tools/build-code-table"
# Sorts after every character a code has (digits and capital letters): `code + _PAST` bounds its range.
_PAST = "\x7f"
_lock = threading.Lock()


class CodeTableError(RuntimeError):
    """The shipped code table is missing or damaged (rebuild it with tools/build-code-table)."""


@frozen
class CodeTable:
    """The codes of ICD-10-CM: look-ups by a code without its dot, in upper case."""

    source: str
    codes: tuple[str, ...]  # sorted
    flags: str  # BILLABLE or CATEGORY, one per code
    titles_data: bytes = attrs.field(repr=False)  # compressed until a title is asked for
    _titles: list[tuple[str, ...]] = attrs.field(factory=list, init=False, repr=False, eq=False)

    def __len__(self) -> int:
        return len(self.codes)

    def _position(self, bare: str) -> int | None:
        found = bisect_left(self.codes, bare)
        return found if found < len(self.codes) and self.codes[found] == bare else None

    def is_code(self, bare: str) -> bool:
        return self._position(bare) is not None

    def is_billable(self, bare: str) -> bool:
        found = self._position(bare)
        return found is not None and self.flags[found] == BILLABLE

    @property
    def titles(self) -> tuple[str, ...]:
        """Every code's title, in the order of `codes` (decompressed on first use)."""
        if not self._titles:
            titles = tuple(_text(self.titles_data).split("\n"))
            if len(titles) != len(self.codes):
                raise CodeTableError(f"the ICD-10-CM code table is damaged (its titles do not match its codes); "
                                     f"{REBUILD}")
            self._titles.append(titles)
        return self._titles[0]

    def title(self, bare: str) -> str | None:
        found = self._position(bare)
        return None if found is None else self.titles[found]

    def _below(self, bare: str) -> tuple[int, int]:
        return bisect_right(self.codes, bare), bisect_left(self.codes, bare + _PAST)

    def billable_count(self, bare: str) -> int:
        """How many billable codes lie under a code."""
        low, high = self._below(bare)
        return self.flags.count(BILLABLE, low, high)

    def billable_under(self, bare: str, most: int | None = None) -> list[str]:
        """The billable codes under a code, in order (the first `most` of them when given)."""
        low, high = self._below(bare)
        found: list[str] = []
        for position in range(low, high):
            if most is not None and len(found) >= most:
                break
            if self.flags[position] == BILLABLE:
                found.append(self.codes[position])
        return found


def encode(source: str, rows: Iterable[tuple[str, bool, str]]) -> bytes:
    """The file of a table: `rows` are (code without its dot, billable, title), in any order."""
    ordered = sorted(rows)
    for code, _billable, title in ordered:
        # Each part is split on one separator: a code or title holding it would shift every code after it.
        if not (code.isascii() and code.isalnum()) or "\n" in title or "\n" in source:
            raise ValueError(f"cannot write {code!r} ({title!r}) into the code table")
    codes = " ".join(code for code, _billable, _title in ordered)
    flags = "".join(BILLABLE if billable else CATEGORY for _code, billable, _title in ordered)
    first = zlib.compress(f"{codes}\n{flags}".encode("ascii"), 9)
    second = zlib.compress("\n".join(title for _code, _billable, title in ordered).encode("utf-8"), 9)
    return f"{FORMAT} {source}\n{len(first)}\n".encode("utf-8") + first + second


def _text(data: bytes) -> str:
    try:
        return zlib.decompress(data).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as error:
        raise CodeTableError(f"the ICD-10-CM code table is damaged ({error}); {REBUILD}") from error


def decode(data: bytes) -> CodeTable:
    """The table a file holds, or CodeTableError saying why it is not one."""
    header, _, rest = data.partition(b"\n")
    length, _, parts = rest.partition(b"\n")
    if not header.startswith(FORMAT.encode("ascii") + b" ") or not length.isdigit():
        raise CodeTableError(f"the ICD-10-CM code table is not in the format {FORMAT!r}; {REBUILD}")
    codes_part, _, flags = _text(parts[: int(length)]).partition("\n")
    codes = tuple(codes_part.split(" "))
    if len(codes) != len(flags):
        raise CodeTableError(f"the ICD-10-CM code table is damaged (its parts differ in length); {REBUILD}")
    source = header[len(FORMAT) + 1 :].decode("utf-8", errors="replace")
    return CodeTable(source, codes, flags, parts[int(length) :])


_loaded: list[CodeTable] = []


def table() -> CodeTable:
    """The shipped table, read on first use (tens of milliseconds) and kept for the life of the process."""
    if not _loaded:
        with _lock:
            if not _loaded:  # another thread may have read it while this one waited
                _loaded.append(_read())
    return _loaded[0]


def _read() -> CodeTable:
    try:
        data = resources.files("policy").joinpath("data", DATA_FILE).read_bytes()
    except OSError as error:
        raise CodeTableError(f"the ICD-10-CM code table policy/data/{DATA_FILE} is missing; {REBUILD}") from error
    return decode(data)
