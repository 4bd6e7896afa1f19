"""Released versions of each policy: what each release changed, and when it took effect.

Owned by the released-versions work of issue 8; this is the interface the
docs, reports and determinations read. Until it is filled in, nothing is
recorded.
"""

from __future__ import annotations

from policy.binding import BoundPolicy


def effective(bound: BoundPolicy) -> str | None:
    """The effective date (YYYY-MM-DD) of the policy's current version, or None if it is not released."""
    return None


def last_changed(bound: BoundPolicy, statement_id: str) -> str | None:
    """The version in which a statement last changed (None when no release records it)."""
    return None
