"""PAS: read a prior-authorization request Bundle into the policy's request document.

The Bundle is refused with 400 when it is not valid FHIR R4 (every problem
listed) and with 422 when it is valid FHIR but not a usable request: the
Claim is not first or not a preauthorization, its Patient is not in the
Bundle, no QuestionnaireResponse to a Questionnaire of this library is
referenced from `Claim.supportingInfo` (contained or in the Bundle), or the
answers and the Claim do not make a valid request. The policy is the one
whose Questionnaire the response answers: no policy is guessed. Each problem
of the request document is reported at the FHIRPath of the answer or Claim
element it came from.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from attrs import frozen

from policy import icd10
from policy.errors import InvalidRequest, Problem
from policy.fhir.answers import as_document, read_answers
from policy.fhir.canonical import Named, named_by, questionnaire_url
from policy.fhir.claim_fields import Source, claim_sourced
from policy.fhir.claim_side import claim_values
from policy.fhir.fields import by_path
from policy.fhir.limits import FHIR_LIMITS, FhirLimits
from policy.fhir.outcome import BUSINESS_RULE, REQUIRED, STRUCTURE, TOO_COSTLY, VALUE, Issue, Unusable, quoted
from policy.fhir.policies import Library
from policy.fhir.references import Resolved, resolve
from policy.fhir.resources import bundle_issues
from policy.fhir.urls import QUESTIONNAIRE_PREFIX
from policy.validation import POLICY_KEY

CLAIM_AT = "Bundle.entry[0].resource"
# A response in these states says it is not an answer.
WITHDRAWN = ("entered-in-error", "stopped")


@frozen
class PasRequest:
    """A PAS request read: the policy, the request document, and where each of its values came from."""

    policy_id: str
    document: dict[str, Any]
    places: dict[str, str]  # request path (and path[i]) -> FHIRPath in the Bundle
    bundle: Mapping[str, Any]
    claim: Mapping[str, Any]
    response_at: str  # FHIRPath of the QuestionnaireResponse

    def locate(self, path: str) -> str:
        """The FHIRPath a request path's problem is reported at: its own place, else its nearest answered parent."""
        candidate = path
        while candidate:
            if candidate in self.places:
                return self.places[candidate]
            if candidate.endswith("]") and "[" in candidate:
                candidate = candidate[: candidate.rindex("[")]
            else:
                candidate = candidate.rpartition(".")[0]
        return self.response_at


def _answered_questionnaires(claim: Mapping[str, Any], entries: list[Any],
                             issues: list[Issue]) -> list[tuple[Resolved, Named]]:
    """The QuestionnaireResponses to a Questionnaire of this library that the Claim's supportingInfo references."""
    found: list[tuple[Resolved, Named]] = []
    for index, info in enumerate(claim.get("supportingInfo") or []):
        resolved = resolve(info.get("valueReference"), entries, claim, CLAIM_AT)
        if resolved is None or resolved.resource.get("resourceType") != "QuestionnaireResponse":
            continue  # other supporting information (documents, dates) is not read
        canonical = resolved.resource.get("questionnaire")
        named = named_by(canonical)
        if named is not None and all(resolved.expression != seen.expression for seen, _ in found):
            found.append((resolved, named))
        elif isinstance(canonical, str) and canonical.startswith(QUESTIONNAIRE_PREFIX):
            issues.append(Issue(f"{resolved.expression}.questionnaire",
                                f"is not a questionnaire canonical of this library: {quoted(canonical)}", VALUE))
    return found


def _agrees(source: Source, answered: Any, stated: Any) -> bool:
    if source is Source.DIAGNOSES:
        try:
            return sorted({icd10.normalize(c) for c in answered}) == sorted({icd10.normalize(c) for c in stated})
        except (AttributeError, TypeError):
            return False
    if source is Source.AGE:  # a whole-years age from the birth date agrees with a more precise answer
        return isinstance(answered, int | float) and math.isfinite(answered) and math.floor(answered) == stated
    return bool(answered == stated)


def _the_response(bundle: Mapping[str, Any], claim: Mapping[str, Any], library: Library) -> tuple[Resolved, str]:
    issues: list[Issue] = []
    responses = _answered_questionnaires(claim, bundle.get("entry") or [], issues)
    if issues:
        raise Unusable(422, issues)
    held = ", ".join(questionnaire_url(policy_id) for policy_id in library.ids())
    if not responses:
        raise Unusable(422, [Issue(f"{CLAIM_AT}.supportingInfo",
                                   "references no QuestionnaireResponse to a questionnaire of this library "
                                   f"({held}); the policy is never guessed", REQUIRED)])
    if len(responses) > 1:
        raise Unusable(422, [Issue(resolved.expression, "one request answers one policy's questionnaire; "
                                   f"the Claim references {len(responses)}", BUSINESS_RULE)
                             for resolved, _ in responses])
    resolved, named = responses[0]
    where = f"{resolved.expression}.questionnaire"
    if not library.holds(named.policy_id):
        raise Unusable(422, [Issue(where, f"names no policy of this library ({held})", VALUE)])
    version = library.bound(named.policy_id).source.version
    if named.version is not None and named.version != version:
        raise Unusable(422, [Issue(where, f"answers version {quoted(named.version)} of the questionnaire; the policy "
                                          f"is at version {version}: answer the current questionnaire",
                                   BUSINESS_RULE)])
    if resolved.resource.get("status") in WITHDRAWN:
        raise Unusable(422, [Issue(f"{resolved.expression}.status", "the response is withdrawn", BUSINESS_RULE)])
    return resolved, named.policy_id


def _same_patient(bundle: Mapping[str, Any], claim: Mapping[str, Any], patient: Resolved, response: Resolved) -> None:
    """Answers about another patient are never read into this patient's request."""
    subject = response.resource.get("subject")
    if subject is None:
        return
    found = resolve(subject, bundle.get("entry") or [], claim, CLAIM_AT)
    if (found is not None and found.expression == patient.expression) or (
            subject.get("reference") == claim["patient"].get("reference")):
        return
    raise Unusable(422, [Issue(f"{response.expression}.subject", "is not the Claim's patient", BUSINESS_RULE)])


def _where_stated(source: Source, patient_at: str) -> str:
    return {
        Source.IDENTIFIER: f"{CLAIM_AT}.identifier",
        Source.DIAGNOSES: f"{CLAIM_AT}.diagnosis",
        Source.SERVICE_DATE: f"{CLAIM_AT}.item",
        Source.SEX: f"{patient_at}.gender",
        Source.AGE: f"{patient_at}.birthDate",
    }[source]


def _claim_and_patient(bundle: Mapping[str, Any]) -> tuple[Mapping[str, Any], Resolved]:
    entries = bundle.get("entry") or []
    issues: list[Issue] = []
    if bundle.get("type") != "collection":
        issues.append(Issue("Bundle.type", "a PAS request Bundle is a collection", VALUE))
    first = entries[0].get("resource") if entries else None
    if not isinstance(first, Mapping) or first.get("resourceType") != "Claim":
        raise Unusable(422, [*issues, Issue("Bundle.entry[0].resource", "a PAS request Bundle starts with its Claim",
                                            STRUCTURE)])
    if first.get("use") != "preauthorization":
        issues.append(Issue(f"{CLAIM_AT}.use", f"expected preauthorization, got {quoted(first.get('use'))}", VALUE))
    patient = resolve(first.get("patient"), entries, first, CLAIM_AT)
    if patient is None or patient.resource.get("resourceType") != "Patient":
        issues.append(Issue(f"{CLAIM_AT}.patient", "does not resolve to a Patient in the Bundle", REQUIRED))
    if issues or patient is None:
        raise Unusable(422, issues)
    return first, patient


def operation_input(data: Any) -> Any:
    """The Bundle of a `$submit` call: the body itself, or the `resource` parameter of a Parameters body
    (an operation may be called either way). FHIRPaths stay rooted at the Bundle, as PAS reports them."""
    if not isinstance(data, Mapping) or data.get("resourceType") != "Parameters":
        return data
    given = [p for p in data.get("parameter") or [] if isinstance(p, Mapping) and p.get("name") == "resource"]
    if len(given) != 1 or not isinstance(given[0].get("resource"), Mapping):
        raise Unusable(400, [Issue("Parameters.parameter", "expected one parameter named resource holding the "
                                                           "PAS request Bundle", STRUCTURE)])
    return given[0]["resource"]


def read_request(data: Any, library: Library, limits: FhirLimits = FHIR_LIMITS) -> PasRequest:
    """The request a PAS Bundle (parsed JSON) makes, or Unusable (400/422) listing every problem."""
    data = operation_input(data)
    if not isinstance(data, Mapping) or data.get("resourceType") != "Bundle":
        raise Unusable(400, [Issue("Bundle", "expected a FHIR Bundle", STRUCTURE)])
    entries = data.get("entry")
    if isinstance(entries, list) and len(entries) > limits.entries:
        raise Unusable(400, [Issue("Bundle.entry", f"more than {limits.entries} entries", TOO_COSTLY)])
    invalid = bundle_issues(data)
    if invalid:
        raise Unusable(400, invalid)
    claim, patient = _claim_and_patient(data)
    response, policy_id = _the_response(data, claim, library)
    _same_patient(data, claim, patient, response)
    model = library.bound(policy_id).code.request_model
    questions = by_path(model)
    answers = read_answers(policy_id, questions, response.resource, response.expression)
    sourced = claim_sourced(model)
    stated = claim_values(claim, CLAIM_AT, patient.resource, patient.expression, sourced, questions)
    issues = answers.issues + stated.issues
    values = dict(answers.values)
    # A field the Claim side carries is reported where the Claim side would state it, unless it was answered.
    places = {path: _where_stated(source, patient.expression) for path, source in sourced.items()}
    places.update(answers.places)
    for path, source in sourced.items():
        if path not in stated.values:
            continue
        if path in values and not _agrees(source, values[path], stated.values[path]):
            issues.append(Issue(answers.places[path], f"{path}: the answer {quoted(values[path])} disagrees with "
                                f"{stated.places[path]} ({quoted(stated.values[path])})", BUSINESS_RULE))
            continue
        if source is not Source.AGE or path not in values:  # a precise answered age is kept
            values[path] = stated.values[path]
            places.update({key: place for key, place in stated.places.items()
                           if key == path or key.startswith(f"{path}[")})
    if issues:
        raise Unusable(422, issues)
    document = {POLICY_KEY: policy_id, **as_document(values)}
    return PasRequest(policy_id, document, places, data, claim, response.expression)


def _issue(request: PasRequest, problem: Problem) -> Issue:
    code = REQUIRED if problem.message == "is required" else VALUE
    message = f"{problem.path}: {problem.message}" if problem.path else problem.message
    return Issue(request.locate(problem.path), message, code)


def invalid_request(request: PasRequest, invalid: InvalidRequest) -> Unusable:
    """The request document's problems, each at the FHIRPath its value came from."""
    return Unusable(422, [_issue(request, problem) for problem in invalid.problems])


__all__ = ["PasRequest", "invalid_request", "read_request"]
