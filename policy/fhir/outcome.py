"""Problems with a FHIR payload, each at its FHIRPath, and the OperationOutcome that lists them.

Every refusal of the Da Vinci operations is an `Unusable` carrying its HTTP
status (400: not JSON or not valid FHIR; 413: too large; 415: not JSON by
its content type; 422: valid FHIR that is not a usable request) and every
problem found, each with the FHIRPath of the element it is about.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from fhirclient.models import fhirabstractbase, operationoutcome

from policy.fhir.limits import FHIR_LIMITS
from policy.spec import shown

# FHIR issue-type codes (http://hl7.org/fhir/issue-type) the operations use.
STRUCTURE = "structure"
REQUIRED = "required"
VALUE = "value"
INVALID = "invalid"
NOT_FOUND = "not-found"
NOT_SUPPORTED = "not-supported"
TOO_COSTLY = "too-costly"
BUSINESS_RULE = "business-rule"
SECURITY = "security"

# Messages are quoted whole; a message this long is cut.
MESSAGE_CHARS = 500


@frozen
class Issue:
    """One problem: where it is (a FHIRPath from the payload's root) and what is wrong."""

    expression: str
    message: str
    code: str = INVALID


class Unusable(Exception):
    """A payload the operation cannot act on: its HTTP status and every problem found."""

    def __init__(self, status: int, issues: Sequence[Issue]) -> None:
        self.status = status
        self.issues = tuple(issues)
        super().__init__(f"{status}: " + "; ".join(f"{i.expression}: {i.message}" for i in self.issues[:5]))


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 3] + "..."


def operation_outcome(issues: Iterable[Issue], most: int = FHIR_LIMITS.issues) -> dict[str, Any]:
    """The OperationOutcome listing `issues` (the first `most` of them, then how many more there were)."""
    listed: list[dict[str, Any]] = []
    extra = 0
    for issue in issues:
        if len(listed) >= most:
            extra += 1
            continue
        listed.append({
            "severity": "error",
            "code": issue.code,
            "diagnostics": _cut(issue.message, MESSAGE_CHARS),
            "expression": [_cut(issue.expression, MESSAGE_CHARS)],
        })
    if extra:
        listed.append({"severity": "error", "code": TOO_COSTLY,
                       "diagnostics": f"{extra} more problem(s) not listed"})
    if not listed:  # an OperationOutcome has at least one issue
        listed.append({"severity": "error", "code": INVALID, "diagnostics": "the payload cannot be used"})
    outcome = {"resourceType": "OperationOutcome", "issue": listed}
    # Built by us, so a model error here is our bug: let it raise.
    return dict(operationoutcome.OperationOutcome(outcome, strict=True).as_json())


# -- fhirclient validation errors as issues ------------------------------------------------------

_QUOTED = re.compile(r'"([^"]{1,200})"')
_EXPECTED = re.compile(r"expecting <class '([\w.]+)'>")
_JSON_TYPES = {"str": "a string", "int": "an integer", "float": "a number", "bool": "true or false"}


def fhirpath(root: str, dotted: str) -> str:
    """`entry.0.resource.item.3` under `Bundle` as the FHIRPath `Bundle.entry[0].resource.item[3]`."""
    path = root
    for part in (p for p in dotted.split(".") if p):
        path = f"{path}[{part}]" if part.isdigit() else f"{path}.{part}"
    return path


def _expected(message: str) -> str:
    found = _EXPECTED.search(message)
    if found is None:
        return "another type"
    name = found.group(1).rsplit(".", 1)[-1]
    return _JSON_TYPES.get(name, f"a FHIR {name}")


def _issue(root: str, path: str, error: BaseException) -> Issue:
    message = str(error)
    named = _QUOTED.search(message)
    if isinstance(error, KeyError) and named:
        return Issue(fhirpath(root, f"{path}.{named.group(1)}"), "is required by FHIR R4 and missing", REQUIRED)
    if isinstance(error, AttributeError) and named:
        return Issue(fhirpath(root, f"{path}.{named.group(1)}"), "is not an element of this FHIR R4 type", STRUCTURE)
    if isinstance(error, TypeError) and "Wrong type" in message:
        return Issue(fhirpath(root, path), f"has the wrong type: expected {_expected(message)}", STRUCTURE)
    if isinstance(error, TypeError):
        return Issue(fhirpath(root, path), "has the wrong JSON shape for its FHIR type", STRUCTURE)
    if isinstance(error, ValueError):
        return Issue(fhirpath(root, path), "does not match the format of its FHIR type", VALUE)
    return Issue(fhirpath(root, path), "is not valid FHIR R4", STRUCTURE)


def model_issues(error: BaseException, root: str) -> list[Issue]:
    """Every leaf problem of a fhirclient validation error, as issues under `root`.

    The library nests its errors, each level naming the step of the path it
    is at; the leaves are the problems. Its messages quote Python objects, so
    they are never passed on: each is rewritten from its kind.
    """
    issues: list[Issue] = []
    pending: list[tuple[BaseException, str]] = [(error, "")]
    while pending:
        current, prefix = pending.pop()
        if isinstance(current, fhirabstractbase.FHIRValidationError):
            path = ".".join(p for p in (prefix, current.path or "") if p)
            pending.extend((child, path) for child in reversed(current.errors))
        else:
            issues.append(_issue(root, prefix, current))
    # The library gathers some problems in sets: sorted, the same payload always reads the same.
    return sorted(issues, key=lambda issue: (issue.expression, issue.message))


def quoted(value: Any) -> str:
    """A value as a message quotes it (cut short)."""
    return shown(value)


__all__ = ["Issue", "Unusable", "fhirpath", "model_issues", "operation_outcome", "quoted"]
