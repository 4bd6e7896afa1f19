"""Policy-as-code for clinical coverage: IVIG for inflammatory myopathies.

    >>> import policy
    >>> determination = policy.assess({...})
    >>> determination.to_dict()["decision"]
"""

from __future__ import annotations

from policy.assessment import Assessor, assess, assessor
from policy.determination import Determination
from policy.errors import EngineError, InvalidRequest, PolicyDefinitionError, Problem
from policy.request import Patient, Regimen, Request, Response
from policy.validation import parse_request

__version__ = "0.1.0"

__all__ = [
    "Assessor",
    "Determination",
    "EngineError",
    "InvalidRequest",
    "Patient",
    "PolicyDefinitionError",
    "Problem",
    "Regimen",
    "Request",
    "Response",
    "assess",
    "assessor",
    "parse_request",
]
