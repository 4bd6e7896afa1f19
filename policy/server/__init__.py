"""The HTTP decision service (`policy serve`): the policy library behind FastAPI on uvicorn.

One concern per module:

- `settings`: what a worker is told (carried in environment variables);
- `auth`: bearer tokens, compared in constant time;
- `decision_log`: one JSON line per determination served, rotated by size;
- `request_id`: the `X-Request-ID` of every answer, and a 500 for what no handler took;
- `errors`: the one error shape, `{"errors": [{"path", "message"}]}`;
- `body`: media types and size limits of request bodies;
- `readiness`: every policy's network built and warmed before `/ready` says so;
- `catalog`, `discovery`: what the library holds (open endpoints);
- `assess`, `batch`: the determinations;
- `openapi`, `apidocs`: the OpenAPI 3.1 document and the interactive page;
- `fhir_mount`: the Da Vinci routes of `policy.fhir`, when present;
- `app`: the application factory; `serve`: the `policy serve` command.

The core's rule holds here too: no module names a policy or a policy's field.
"""

from __future__ import annotations

from policy.server.app import app_from_environment, create_app
from policy.server.settings import Settings, SettingsError

__all__ = ["Settings", "SettingsError", "app_from_environment", "create_app"]
