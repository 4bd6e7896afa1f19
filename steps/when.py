"""When step: the request goes through the public API, as a service would call it."""

from __future__ import annotations

from typing import Any

import pytest
from pytest_bdd import when

import policy


class Outcome:
    """What assessing gave: a determination's JSON, or the validation errors."""

    def __init__(self) -> None:
        self.result: dict[str, Any] | None = None
        self.errors: list[dict[str, str]] | None = None

    @property
    def determination(self) -> dict[str, Any]:
        assert self.result is not None, f"the request was rejected: {self.errors}"
        return self.result


@pytest.fixture
def outcome() -> Outcome:
    return Outcome()


@when("the request is assessed")
def assess(document: dict[str, Any], outcome: Outcome, policy_id: str) -> None:
    try:
        outcome.result = policy.assess(document, policy_id=policy_id).to_dict()
    except policy.InvalidRequest as error:
        outcome.errors = error.errors
