"""Every URL and code system the Da Vinci operations write or read, in one place.

This library's own identifiers are URNs under `urn:policy-library:`: they
name things without claiming a web address the deployment may not have. A
policy's Questionnaire is `urn:policy-library:questionnaire:<policy-id>`,
versioned with the policy's version (`...|1.0.0`); it is fetched with
`GET /fhir/Questionnaire/<policy-id>` or `GET /fhir/Questionnaire?url=<canonical>`.
"""

from __future__ import annotations

# -- this library's own -------------------------------------------------------------------------
QUESTIONNAIRE_PREFIX = "urn:policy-library:questionnaire:"
VOCABULARY_PREFIX = "urn:policy-library:vocabulary:"
EXTENSION_PREFIX = "urn:policy-library:extension:"
POLICY_EXTENSION = EXTENSION_PREFIX + "policy"  # id, version, effective, digest
REASON_EXTENSION = EXTENSION_PREFIX + "reason"  # statement, text, missing*
CHANGE_EXTENSION = EXTENSION_PREFIX + "change"  # statement, path, requested*, authorized*
AUTHORIZED_EXTENSION = EXTENSION_PREFIX + "authorized"  # path, value*

# -- FHIR and terminology ---------------------------------------------------------------------
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
QUESTIONNAIRE_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MIN_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-minOccurs"
MAX_OCCURS = "http://hl7.org/fhir/StructureDefinition/questionnaire-maxOccurs"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"

# -- Da Vinci -------------------------------------------------------------------------------------
REVIEW_ACTION = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-reviewAction"
X12_306 = "https://codesystem.x12.org/005010/306"
COVERAGE_INFORMATION = "http://hl7.org/fhir/us/davinci-crd/StructureDefinition/ext-coverage-information"
CDS_CARD_TYPE = "http://terminology.hl7.org/CodeSystem/cdshooks-card-type"

__all__ = [name for name in dir() if name.isupper()]
