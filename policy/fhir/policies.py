"""The policy library the Da Vinci operations serve: the installed one, or another for tests.

The operations ask three things of it: which policies it holds, each bound
policy (its source, request model and code groups), and an assessment. A
library copied elsewhere (a test that adds a policy folder) is served by
`library_at(root)` with no change to any operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from policy import assessment, binding
from policy.binding import BoundPolicy
from policy.determination import Determination
from policy.library import policy_ids


@frozen
class Library:
    ids: Callable[[], tuple[str, ...]]
    bound: Callable[[str], BoundPolicy]
    assess: Callable[[Mapping[str, Any], str], Determination]

    def holds(self, policy_id: object) -> bool:
        return isinstance(policy_id, str) and policy_id in self.ids()


def _assess_installed(document: Mapping[str, Any], policy_id: str) -> Determination:
    return assessment.assess(document, policy_id)


INSTALLED = Library(ids=policy_ids, bound=binding.bound, assess=_assess_installed)


def library_at(root: Path) -> Library:
    """The library whose source root is `root` (each policy bound and compiled on first use)."""
    assessors: dict[str, assessment.Assessor] = {}

    def assessor_of(policy_id: str) -> assessment.Assessor:
        if policy_id not in assessors:
            assessors[policy_id] = assessment.Assessor(binding.bind(policy_id, root))
        return assessors[policy_id]

    return Library(
        ids=lambda: policy_ids(root),
        bound=lambda policy_id: assessor_of(policy_id).bound,
        assess=lambda document, policy_id: assessor_of(policy_id).assess(document),
    )


__all__ = ["INSTALLED", "Library", "library_at"]
