"""How much of a FHIR payload the Da Vinci operations read.

FHIR payloads arrive from outside and are untrusted: these bounds are applied
to the raw JSON before any FHIR model is built (the model library validates
recursively, so depth is bounded first). They are operational settings, not
policy: no decision depends on them.
"""

from __future__ import annotations

import attrs

from policy.limits import LIMITS


@attrs.frozen
class FhirLimits:
    """Bounds on one FHIR payload (a PAS Bundle, a CDS Hooks request)."""

    # A PAS bundle with its questionnaire response is tens of kilobytes; a megabyte is far beyond a real one.
    body_bytes: int = LIMITS.request_bytes
    # Bundle.entry.resource.contained.item.item.answer.value.coding... stays far below this.
    depth: int = 48
    # Every JSON object, array and value counted once.
    nodes: int = 50_000
    # A PAS request bundle names a claim and the resources it references: a few dozen entries at most.
    entries: int = 200
    # Narrative is the longest text a real resource carries.
    string_chars: int = 100_000
    key_chars: int = LIMITS.key_chars
    # An OperationOutcome lists at most this many issues, then says how many more there were.
    issues: int = 100


FHIR_LIMITS = FhirLimits()

__all__ = ["FHIR_LIMITS", "FhirLimits"]
