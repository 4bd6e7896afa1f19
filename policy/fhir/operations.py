"""The FHIR operations as pure functions of their input: (HTTP status, FHIR JSON).

The routers (`policy.fhir.routes`) only move bytes; everything that decides
what is answered happens here, so it is tested without HTTP.
"""

from __future__ import annotations

import time
from functools import lru_cache
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from policy.determination import Determination
from policy.errors import InvalidRequest
from policy.fhir.canonical import named_by
from policy.fhir.claimresponse import response_bundle
from policy.fhir.limits import FHIR_LIMITS, FhirLimits
from policy.fhir.outcome import NOT_FOUND, Issue, Unusable, operation_outcome, quoted
from policy.fhir.pas import invalid_request, read_request
from policy.fhir.payload import parse_json
from policy.fhir.policies import INSTALLED, Library
from policy.fhir.questionnaire import questionnaire
from policy.fhir.resources import built

Answer = tuple[int, dict[str, Any]]
OnDecision = Callable[[Mapping[str, Any], Determination, float], None]


# Generated once per policy (a few milliseconds of validation each time otherwise); never modified after.
@lru_cache(maxsize=64)
def _questionnaire(library: Library, policy_id: str) -> dict[str, Any]:
    return questionnaire(library.bound(policy_id))


def _not_found(expression: str, message: str) -> Answer:
    return 404, operation_outcome([Issue(expression, message, NOT_FOUND)])


def read_questionnaire(policy_id: str, library: Library = INSTALLED) -> Answer:
    """`GET /fhir/Questionnaire/{id}`: the policy's Questionnaire, or 404."""
    if not library.holds(policy_id):
        return _not_found("Questionnaire.id", f"no policy {quoted(policy_id)} in this library "
                                              f"({', '.join(library.ids())})")
    return 200, _questionnaire(library, policy_id)


def search_questionnaires(url: str | None, library: Library = INSTALLED) -> Answer:
    """`GET /fhir/Questionnaire?url=<canonical>[|version]`: a searchset of the matching Questionnaire (or all)."""
    found = []
    if url is None:
        found = [_questionnaire(library, policy_id) for policy_id in library.ids()]
    else:
        named = named_by(url)
        if named is not None and library.holds(named.policy_id):
            candidate = _questionnaire(library, named.policy_id)
            if named.version in (None, candidate["version"]):
                found = [candidate]
    return 200, built({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "entry": [{"resource": item, "search": {"mode": "match"}} for item in found],
    })


def submit_claim(body: bytes, library: Library = INSTALLED, *, on_decision: OnDecision | None = None,
                 limits: FhirLimits = FHIR_LIMITS, now: datetime | None = None) -> Answer:
    """`POST /fhir/Claim/$submit`: the PAS response Bundle (200), or an OperationOutcome (400/413/422)."""
    try:
        request = read_request(parse_json(body, limits, root="Bundle"), library, limits)
        started = time.perf_counter()
        try:
            determination = library.assess(request.document, request.policy_id)
        except InvalidRequest as invalid:
            raise invalid_request(request, invalid) from None
        elapsed = time.perf_counter() - started
    except Unusable as refused:
        return refused.status, operation_outcome(refused.issues, limits.issues)
    if on_decision is not None:
        on_decision(request.document, determination, elapsed)
    authorization = library.bound(request.policy_id).code.authorization
    source = authorization.source if authorization is not None else None
    return 200, response_bundle(request, determination, source, now)


__all__ = ["Answer", "OnDecision", "read_questionnaire", "search_questionnaires", "submit_claim"]
