"""Readiness: every policy's network built and warmed, every route prepared, before the worker says it is ready.

Warming runs in a thread started at application start-up, so `/health`
answers at once while `/ready` says false until every policy of the library
has its assessor (its network compiled into durable-rules) and has made one
assessment: the code table, the validation path and the engine's first
session are then paid for before the first caller arrives. A policy that
cannot be built keeps the worker unready (fail closed); only its id is said
to callers, the reason goes to the server log.

The assessments made per policy are its example requests when the checkout
holds them (`examples/<policy-id>/*.json`: every decision path, so the
engine, the code table and the caches have seen each once); an installed
wheel has no examples, so there a request naming only the policy is
assessed, which runs the validation path (and is refused, as it must be).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message

import policy
from policy import icd10
from policy.source import source_root

log = logging.getLogger("policy.server")
EXAMPLES = Path("examples")
# Example requests are a few hundred bytes and a few dozen per policy; more or bigger are not read.
MAX_EXAMPLE_BYTES = 1 << 16
MAX_EXAMPLES = 100


def _sample_documents(policy_id: str) -> list[dict[str, object]]:
    """The policy's example requests in a checkout, else one naming only the policy."""
    documents: list[dict[str, object]] = []
    try:
        folder = source_root().parent / EXAMPLES / policy_id
        for path in sorted(folder.glob("*.json"))[:MAX_EXAMPLES] if folder.is_dir() else ():
            if path.stat().st_size <= MAX_EXAMPLE_BYTES:
                document = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(document, dict):
                    documents.append(document)
    except (OSError, ValueError):
        pass
    return documents or [{"policy": policy_id}]


def warm_policy(policy_id: str) -> None:
    """Build the policy's network and assess its example requests through it (each path taken once)."""
    icd10.load()  # the code table, loaded here even when the sample requests name no code
    engine = policy.assessor(policy_id)
    for document in _sample_documents(policy_id):
        try:
            engine.assess(document).to_dict()
        except policy.InvalidRequest:
            pass  # the installed wheel's warm-up request, refused as any incomplete request is


WARM_UP_ID = "warm-up"
_PARAMETER = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def _warm_up_path(template: str) -> str:
    first = policy.policy_ids()[0] if policy.policy_ids() else WARM_UP_ID
    return _PARAMETER.sub(lambda match: first if match.group(1) == "policy_id" else WARM_UP_ID, template)


HTTP_METHODS = ("get", "post", "put", "patch", "delete")


async def warm_routes(app: ASGIApp, openapi: Mapping[str, Any]) -> None:
    """Call every operation of the OpenAPI document once in-process, with no credentials and an empty body.

    The framework prepares each route on its first call (its middleware
    stack, its dependencies): paid here, not by the first caller. No call
    carries a token or a request document, so none is assessed: protected
    routes answer 401, the others 415 or 422, discovery answers as usual.
    """

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    for template, operations in openapi.get("paths", {}).items():
        path = _warm_up_path(template)
        for method in (m for m in HTTP_METHODS if m in operations):
            scope = {
                "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
                "method": method.upper(), "scheme": "http", "path": path, "raw_path": path.encode("utf-8"),
                "query_string": b"", "root_path": "", "client": ("127.0.0.1", 0), "server": ("127.0.0.1", 0),
                "headers": [(b"host", b"localhost"), (b"x-request-id", WARM_UP_ID.encode("ascii"))],
            }
            try:
                await app(scope, receive, send)
            except Exception:  # noqa: BLE001 - a route that fails here fails for callers too: logged, not fatal
                log.exception("warm-up call of %s %s failed", method.upper(), template)


class Readiness:
    """Which policies are warmed, and whether every one of them is."""

    def __init__(self, policy_ids: tuple[str, ...], warm: Callable[[str], None] = warm_policy) -> None:
        self.policy_ids = policy_ids
        self._warm = warm
        self._state: dict[str, str] = {policy_id: "starting" for policy_id in policy_ids}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def ready(self) -> bool:
        with self._lock:
            return bool(self._state) and all(state == "ready" for state in self._state.values())

    def states(self) -> dict[str, str]:
        with self._lock:
            return dict(self._state)

    def start(self) -> None:
        """Warm every policy in a background thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="policy-warm-up", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.ready

    def _run(self) -> None:
        for policy_id in self.policy_ids:
            try:
                self._warm(policy_id)
                state = "ready"
            except Exception:  # noqa: BLE001 - a policy that cannot be built keeps the worker unready
                log.exception("policy %s could not be built: the server stays unready", policy_id)
                state = "failed"
            with self._lock:
                self._state[policy_id] = state
        if self.ready:
            log.info("ready: %s", ", ".join(self.policy_ids))


__all__ = ["Readiness", "warm_policy", "warm_routes"]
