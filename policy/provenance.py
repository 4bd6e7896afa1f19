"""How directly each statement is supported: grades of statement–reference pairs and the badges they give.

Owned by the provenance work of issue 8; this is the interface the docs and
reports read. Until it is filled in, no statement has a grade or a badge.
"""

from __future__ import annotations

from attrs import frozen

from policy.binding import BoundPolicy


@frozen
class Grade:
    """How directly one reference supports one statement, and why; `quote` is the sentence it encodes."""

    statement: str
    reference: str
    support: str  # direct | extrapolated | unverified
    note: str = ""
    quote: str | None = None


@frozen
class Badge:
    """A visible mark on a statement a reviewer must not miss (extrapolated, unverified, policy choice, ...)."""

    kind: str
    label: str
    detail: str = ""


def grades(bound: BoundPolicy, statement_id: str) -> tuple[Grade, ...]:
    """The grade of each citation of a statement, under this policy."""
    return ()


def badges(bound: BoundPolicy, statement_id: str) -> tuple[Badge, ...]:
    """The badges of a statement under this policy (none when its support is direct and no number is a choice)."""
    return ()
