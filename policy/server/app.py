"""The application factory: one FastAPI app per worker process, its engine warmed at start.

`policy serve` runs uvicorn with the import string
`policy.server.app:app_from_environment` (a factory), so every worker
process builds its own app, reads the settings the command left in the
environment, and builds its own networks (one per policy, as the engine
wants: one network per policy per process).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from types import ModuleType

from fastapi import Depends, FastAPI

import policy
from policy.limits import LIMITS
from policy.server.apidocs import PAGE, docs_router
from policy.server.assess import assess_paths, assess_routes
from policy.server.auth import SECURITY, SECURITY_SCHEMES, Authorizer, load_tokens, require_tokens
from policy.server.batch import batch_router
from policy.server.decision_log import DecisionLog
from policy.server.discovery import discovery_router
from policy.server.errors import install_handlers
from policy.server.fhir_mount import FHIR_PREFIX, include_fhir_routes, load_jwks, routes_module
from policy.server.openapi import openapi_builder
from policy.server.readiness import Readiness, warm_policy, warm_routes
from policy.server.request_id import RequestIdMiddleware
from policy.server.settings import Settings

TITLE = "Policy decision service"
DESCRIPTION = f"""Prior-authorization determinations from the policy library, over HTTP.

Assessing needs a bearer token (`Authorization: Bearer <token>`); health,
readiness, the policy catalogue, the schemas, this document and the
[interactive page]({PAGE}) do not. Every answer carries `X-Request-ID`; every
determination served is in the decision log under it. Errors are
`{{"errors": [{{"path", "message"}}]}}`. A request body is at most the server's
limit (by default {LIMITS.request_bytes} bytes).
"""


def create_app(settings: Settings, *, environment: Mapping[str, str] | None = None,
               warm: Callable[[str], None] = warm_policy,
               fhir_routes: Callable[[], ModuleType | None] = routes_module) -> FastAPI:
    """The service for `settings`; SettingsError (before anything is served) when they cannot be used.

    `environment` is where POLICY_API_TOKENS is read (the process's by
    default); `warm` and `fhir_routes` replace the warm-up and the finding
    of the FHIR routes module (tests do).
    """
    tokens = load_tokens(settings, environment)
    require_tokens(settings, tokens)
    jwks = load_jwks(settings, open_access=settings.insecure_no_auth and not tokens)
    decisions = DecisionLog(settings.decision_log, max_bytes=settings.decision_log_max_bytes,
                            backups=settings.decision_log_backups, log_requests=settings.log_requests)
    decisions.open()
    readiness = Readiness(policy.policy_ids(), warm)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await warm_routes(app, app.openapi())
        readiness.start()
        yield
        decisions.close()

    app = FastAPI(title=TITLE, version=policy.__version__, openapi_url="/openapi.json", docs_url=None,
                  redoc_url=None, lifespan=lifespan)
    install_handlers(app)
    authorizer = Authorizer.of(tokens, settings)
    bearer = authorizer.dependency()
    protected = [Depends(bearer)]
    app.include_router(discovery_router(readiness))
    app.router.routes.extend(assess_routes(authorizer=authorizer, record=decisions.on_decision,
                                           max_body_bytes=settings.max_body_bytes))
    app.include_router(batch_router(dependencies=protected, record=decisions.on_decision,
                                    line_limit=settings.max_body_bytes, max_lines=settings.batch_max_lines,
                                    max_bytes=settings.batch_max_bytes))
    include_fhir_routes(app, module=fhir_routes(), bearer=bearer, jwks=jwks, on_decision=decisions.on_decision,
                        public_base_url=settings.public_base_url)
    app.include_router(docs_router(app))
    app.openapi = openapi_builder(  # type: ignore[method-assign]
        app, description=DESCRIPTION, extra_paths=assess_paths(), security_schemes=SECURITY_SCHEMES,
        protected_prefixes=(FHIR_PREFIX,), security=SECURITY)
    app.add_middleware(RequestIdMiddleware, log_each_request=settings.access_log)
    app.state.settings = settings
    app.state.decisions = decisions
    app.state.readiness = readiness
    return app


def app_from_environment() -> FastAPI:
    """The factory uvicorn's workers call: the settings `policy serve` put in the environment."""
    return create_app(Settings.from_environment())


__all__ = ["create_app", "app_from_environment"]
