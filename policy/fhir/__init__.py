"""Da Vinci CRD, DTR and PAS (FHIR R4 4.0.1) from the same source as every determination.

- DTR (`questionnaire`): each policy's Questionnaire, generated from its request model.
- PAS (`pas`, `claimresponse`): a prior-authorization Bundle read into the policy's
  request, assessed, and answered with a ClaimResponse.
- CRD (`crd`, `coverage_information`): CDS Hooks services finding the policy whose
  code groups contain a draft order's reason codes.

`routes` holds the FastAPI routers the HTTP server mounts; everything else is pure
functions, testable without HTTP. Nothing here names a policy.
"""

from __future__ import annotations
