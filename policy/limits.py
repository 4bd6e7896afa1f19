"""How much of a request the package reads, walks, looks up or echoes.

Every request is untrusted: these bounds are applied before anything
recurses, looks a value up, caches it or quotes it back, by the library,
`policy assess`, `policy batch` and the HTTP service alike. They are
operational settings, not policy: no determination depends on them.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class Limits:
    """Bounds on one request document and on what is said about it."""

    # A request document is a few hundred bytes; a megabyte is far beyond any real one.
    request_bytes: int = 1 << 20
    # Request models nest three or four levels; anything deeper is refused before it is walked.
    depth: int = 32
    # Longer strings and object keys are refused, and only their start is ever echoed.
    string_chars: int = 1000
    key_chars: int = 100
    # An error report names at most this many problems, then says how many more there were.
    problems: int = 100
    # A category code's error names a few billable codes under it, then their count.
    listed_codes: int = 5
    # A request holds a few dozen values; a document of more is refused before it is walked,
    # so the work done on a document the caller built in memory is bounded too.
    values: int = 10_000
    # A refused string or key is quoted by its start only, in messages and in paths.
    echoed_chars: int = 40


LIMITS = Limits()
