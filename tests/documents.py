"""Request documents for tests that break one part of a valid request at a time."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import policy

# The brief's example request (section 4), synthetic: every test edits a fresh copy.
COMPLETE_REQUEST: dict[str, Any] = {
    "id": "PA-TEST-0001",
    "type": "continuation",
    "date_of_service": "2026-12-01",
    "patient": {"sex": "female", "age_years": 52, "height_cm": 162.6, "weight_kg": 70},
    "diagnoses": ["M60.80"],
    "severe_acute": False,
    "concurrent_therapies": ["corticosteroid", "methotrexate"],
    "iga": "normal",
    "cardiac_dysfunction": False,
    "plasmapheresis_days_after_course": None,
    "regimen": {"dose_g_per_kg": 2.0, "course_total_g": 110, "days": [2, 3], "interval_days": 28,
                "courses": 6, "product": "Octagam 10%", "reduced_iga": False},
    "response": {"weeks_on_therapy": 16, "strength": "improved", "function": "unchanged",
                 "rash": "absent", "ck": "decreased", "complete_response": False},
}


POLICY = "ivig-myositis"

def valid() -> dict[str, Any]:
    """A complete, valid request (a fresh copy)."""
    return copy.deepcopy(COMPLETE_REQUEST)


def _parent(document: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *parents, leaf = path.split(".")
    node = document
    for name in parents:
        node = node[name]
    return node, leaf


def with_value(path: str, value: Any) -> dict[str, Any]:
    """A valid request with the field at a dotted `path` set to `value`."""
    document = valid()
    node, leaf = _parent(document, path)
    node[leaf] = value
    return document


def without(path: str) -> dict[str, Any]:
    """A valid request without the field at a dotted `path`."""
    document = valid()
    node, leaf = _parent(document, path)
    del node[leaf]
    return document


def errors_of(document: Any) -> list[dict[str, str]]:
    """The problems assessing `document` reports; any other outcome fails the test."""
    with pytest.raises(policy.InvalidRequest) as caught:
        policy.assess(document, policy_id=POLICY)
    errors = caught.value.errors
    assert errors, "InvalidRequest lists no problem"
    for error in errors:
        assert isinstance(error["message"], str) and error["message"].strip(), error
    return errors
