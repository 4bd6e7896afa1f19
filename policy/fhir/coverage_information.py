"""CRD's coverage-information extension: built for what the library knows, checked against the guide's invariants.

What is asserted for an order, from the policies whose ICD-10-CM code groups
contain its reason codes:

- one policy: covered, prior authorization needed, clinical documentation
  needed for the prior authorization, with that policy's DTR Questionnaire;
- several: conditional (the reason codes fall under several policies; the
  request is assessed under the one whose questionnaire is answered), each
  policy's Questionnaire listed;
- none: not covered by this library, naming the codes;
- no ICD-10-CM reason code at all: conditional, the diagnosis being needed.

The invariants crd-ci-q1 to crd-ci-q9 of the Da Vinci CRD StructureDefinition
ext-coverage-information are checked on every extension built (a violation
is a bug here and raises).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from attrs import frozen

from policy.fhir.urls import COVERAGE_INFORMATION


@frozen
class Match:
    """A policy of the library and the order's reason codes its code groups contain."""

    policy_id: str
    title: str
    version: str
    questionnaire: str  # versioned canonical
    codes: tuple[str, ...]


def _code(url: str, value: str) -> dict[str, Any]:
    return {"url": url, "valueCode": value}


def _reason(text: str) -> dict[str, Any]:
    return {"url": "reason", "valueCodeableConcept": {"text": text}}


def assertion(matches: Sequence[Match], codes: Sequence[str]) -> list[dict[str, Any]]:
    """The assertion's parts (covered, pa-needed, doc-needed, ..., reason) for what the order's codes matched."""
    if not codes:
        return [_code("covered", "conditional"), _code("info-needed", "OTH"),
                _reason("The order states no ICD-10-CM reason code; this library's policies are chosen by "
                        "diagnosis. Add the diagnosis the order treats.")]
    if not matches:
        return [_code("covered", "not-covered"),
                _reason(f"Not covered by this policy library: no policy's code groups contain the order's "
                        f"reason codes ({', '.join(codes)}).")]
    documentation = [_code("doc-needed", "clinical"), _code("doc-purpose", "withpa")]
    forms = [{"url": "questionnaire", "valueCanonical": match.questionnaire} for match in matches]
    if len(matches) == 1:
        match = matches[0]
        return [_code("covered", "covered"), _code("pa-needed", "auth-needed"), *documentation,
                _reason(f"Prior authorization under the policy {match.policy_id} {match.version} ({match.title}), "
                        f"for {', '.join(match.codes)}: complete its questionnaire and submit it with the "
                        "prior-authorization request."), *forms]
    named = "; ".join(f"{m.policy_id} {m.version} ({', '.join(m.codes)})" for m in matches)
    return [_code("covered", "conditional"), _code("pa-needed", "auth-needed"), *documentation,
            _code("info-needed", "OTH"),
            _reason(f"The order's reason codes fall under several policies of this library: {named}. The "
                    "request is assessed under the policy whose questionnaire is answered; answer the one for "
                    "the indication treated."), *forms]


def coverage_information(coverage: Mapping[str, Any], parts: list[dict[str, Any]], today: str,
                         assertion_id: str) -> dict[str, Any]:
    """The extension, parts in the order the StructureDefinition lists them."""
    order = ["coverage", "covered", "pa-needed", "doc-needed", "doc-purpose", "info-needed", "reason",
             "questionnaire", "date", "coverage-assertion-id"]
    every = [{"url": "coverage", "valueReference": dict(coverage)}, *parts,
             {"url": "date", "valueDate": today}, {"url": "coverage-assertion-id", "valueString": assertion_id}]
    every.sort(key=lambda part: order.index(part["url"]))
    extension = {"url": COVERAGE_INFORMATION, "extension": every}
    broken = invariant_violations(extension)
    if broken:
        raise ValueError(f"coverage-information breaks {', '.join(broken)}")
    return extension


# -- the guide's invariants ---------------------------------------------------------------------


def _values(extension: Mapping[str, Any], url: str) -> list[Any]:
    found = []
    for part in extension.get("extension") or []:
        if part.get("url") == url:
            found += [value for key, value in part.items() if key.startswith("value")]
    return found


# The codes of the guide's coverageAssertionReasons value set: a reason coded with one needs no text.
ASSERTION_REASONS = frozenset({"gold-card", "no-member-found", "no-active-coverage", "coverage-not-found",
                               "auth-out-network", "technical"})


def _explained(reason: Any) -> bool:
    """crd-ci-q7: a reason has text, or only codes of the guide's reason value set."""
    if not isinstance(reason, Mapping):
        return False
    if reason.get("text"):
        return True
    codings = reason.get("coding") or []
    return bool(codings) and all(isinstance(c, Mapping) and c.get("code") in ASSERTION_REASONS for c in codings)


def invariant_violations(extension: Mapping[str, Any]) -> list[str]:
    """The invariants (crd-ci-q1..q9) and cardinalities of ext-coverage-information the extension breaks."""
    def value(url: str) -> list[Any]:
        return _values(extension, url)

    broken = []
    for url in ("coverage", "covered", "date", "coverage-assertion-id"):
        if len(value(url)) != 1:
            broken.append(f"{url} 1..1")
    for url in ("pa-needed", "satisfied-pa-id"):
        if len(value(url)) > 1:
            broken.append(f"{url} 0..1")
    decisive = value("covered") + value("pa-needed") + value("doc-needed")
    reasons = value("reason")
    if value("questionnaire") and not value("doc-needed"):
        broken.append("crd-ci-q1")
    if "not-covered" in value("covered") and value("pa-needed"):
        broken.append("crd-ci-q2")
    if "conditional" in decisive and not value("info-needed"):
        broken.append("crd-ci-q3")
    if set(value("pa-needed")) & {"satisfied", "noauth", "not-covered"} and "withpa" in value("doc-purpose"):
        broken.append("crd-ci-q4")
    if ("satisfied" in value("pa-needed")) != bool(value("satisfied-pa-id")):
        broken.append("crd-ci-q5")
    if "OTH" in value("info-needed") and not reasons:
        broken.append("crd-ci-q6")
    if any(not _explained(reason) for reason in reasons):
        broken.append("crd-ci-q7")
    if any(purpose != "conditional" for purpose in value("doc-purpose")) and not reasons:
        broken.append("crd-ci-q8")
    if "indeterminate" in decisive and not reasons:
        broken.append("crd-ci-q9")
    return broken


__all__ = ["Match", "assertion", "coverage_information", "invariant_violations"]
