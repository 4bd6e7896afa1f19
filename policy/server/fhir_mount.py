"""The Da Vinci routes (`policy.fhir.routes`), mounted at the root when the package has them.

`fhir_router` (`/fhir/...`: DTR Questionnaire, PAS `Claim/$submit`) gets the
service's bearer-token dependency on every route; `cds_router`
(`/cds-services...`, CRD) authenticates hook calls itself, with the JWT the
EHR signs, against the JWKS given with `--cds-jwks`. Both report each
determination they make through `on_decision`, which writes the decision
log under the current request id.

JWKS given to `cds_router`: the file's keys; with no file, an empty key set
(no hook call verifies: fail closed), except on a server started without
any access control (`--insecure-no-auth`, no token), where it is None.

A package without `policy.fhir.routes` serves without these routes; a
module that exists but fails to import stops the server (it is broken, not
absent).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from fastapi import Depends, FastAPI

from policy.server.settings import Settings, SettingsError

MODULE = "policy.fhir.routes"
# Where the FHIR router's routes are (all behind the bearer token).
FHIR_PREFIX = "/fhir/"
MAX_JWKS_BYTES = 1 << 20
NO_KEYS: Mapping[str, Any] = {"keys": []}


def routes_module() -> ModuleType | None:
    """`policy.fhir.routes`, or None when the package does not have it."""
    try:
        if importlib.util.find_spec(MODULE) is None:
            return None
    except ModuleNotFoundError:  # no `policy.fhir` package at all
        return None
    return importlib.import_module(MODULE)


def load_jwks(settings: Settings, *, open_access: bool) -> Mapping[str, Any] | None:
    """The JWKS CDS Hooks calls are verified against (see the module's docstring)."""
    if settings.cds_jwks is None:
        return None if open_access else NO_KEYS
    try:
        with open(settings.cds_jwks, "rb") as handle:
            data = handle.read(MAX_JWKS_BYTES + 1)
    except OSError as error:
        raise SettingsError(f"cannot read the CDS Hooks JWKS file: {error.strerror or error}") from None
    try:
        if len(data) > MAX_JWKS_BYTES:
            raise ValueError("over 1 MiB")
        keys = json.loads(data)
    except ValueError:
        raise SettingsError("the CDS Hooks JWKS file is not a JSON key set (RFC 7517)") from None
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise SettingsError('the CDS Hooks JWKS file must hold a JSON object with a "keys" array (RFC 7517)')
    return keys


def include_fhir_routes(app: FastAPI, *, module: ModuleType | None, bearer: Callable[..., Any],
                        jwks: Mapping[str, Any] | None, on_decision: Callable[..., None],
                        public_base_url: str | None = None) -> bool:
    """Mount the FHIR and CDS Hooks routers of `module`; False when there is none."""
    if module is None:
        return False
    app.include_router(module.fhir_router(dependencies=[Depends(bearer)], on_decision=on_decision))
    app.include_router(module.cds_router(jwks=jwks, on_decision=on_decision, public_base_url=public_base_url))
    return True


__all__ = ["FHIR_PREFIX", "include_fhir_routes", "load_jwks", "routes_module"]
