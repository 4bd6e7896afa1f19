"""Policy-as-code for clinical coverage: a library of medical-necessity policies.

    >>> import policy
    >>> policy.policy_ids()
    ('drug-condition', ...)
    >>> determination = policy.assess({"policy": "drug-condition", ...})
    >>> determination.to_dict()["decision"]

Each policy is a folder of the policy library (`features/<policy>/`); the
package names none of them.
"""

from __future__ import annotations

from policy.assessment import Assessor, assess, assessor, chosen_policy
from policy.determination import Determination
from policy.errors import EngineError, InvalidRequest, PolicyDefinitionError, Problem
from policy.library import policy_ids
from policy.validation import parse_request

__version__ = "0.2.0"

__all__ = [
    "Assessor",
    "Determination",
    "EngineError",
    "InvalidRequest",
    "PolicyDefinitionError",
    "Problem",
    "assess",
    "assessor",
    "chosen_policy",
    "parse_request",
    "policy_ids",
]
