"""`policy serve`: check the settings, hand them to the workers, run uvicorn.

Everything that can be wrong with the settings (no token and no
`--insecure-no-auth`, an unreadable tokens or JWKS file, a decision log that
cannot be written) is found here, in the parent process, and said in one
line with exit status 2, before any worker starts. Uvicorn then starts
`workers` processes (or serves in this one for a single worker), each
calling the factory `policy.server.app:app_from_environment`.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import sys
from typing import Any

import attrs
import uvicorn
from uvicorn.supervisors import Multiprocess

from policy.server.auth import load_tokens, require_tokens
from policy.server.decision_log import DecisionLog
from policy.server.fhir_mount import load_jwks
from policy.server.settings import Settings, SettingsError

FACTORY = "policy.server.app:app_from_environment"
EXIT_SETTINGS = 2
EXIT_FAILED = 1  # uvicorn's own status when a server could not start (a port in use, say)
log = logging.getLogger("policy.server")


def log_config() -> dict[str, Any]:
    """Uvicorn's logging: one format for the server and the service, each line with its request id."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "plain",
               "filters": ["request_id"]}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "policy.server.request_id.RequestIdFilter"}},
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
        "handlers": {"stderr": handler},
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
            # Replaced by the service's own access log, which carries the request id.
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "policy.server": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        },
    }


def _absolute(settings: Settings) -> Settings:
    """Paths made absolute, so every worker reads the same files whatever it does with its directory."""
    changes = {name: getattr(settings, name).resolve() for name in ("tokens_file", "decision_log", "cds_jwks")
               if getattr(settings, name) is not None}
    return attrs.evolve(settings, **changes)


def checked(settings: Settings) -> Settings:
    """The settings, with absolute paths, once everything they name is usable; SettingsError if not."""
    settings = _absolute(settings)
    tokens = load_tokens(settings)
    require_tokens(settings, tokens)
    load_jwks(settings, open_access=settings.insecure_no_auth and not tokens)
    decisions = DecisionLog(settings.decision_log, max_bytes=settings.decision_log_max_bytes,
                            backups=settings.decision_log_backups)
    try:
        decisions.open()
    except OSError as error:
        raise SettingsError(f"cannot write the decision log: {error.strerror or error}") from None
    finally:
        decisions.close()
    return settings


class _Config(uvicorn.Config):
    """Uvicorn's settings, with a listening socket whose connections do not wait on Nagle's algorithm.

    For several workers uvicorn binds one socket in the parent and hands it
    to each; it creates it without naming TCP as its protocol, and asyncio
    then does not set TCP_NODELAY on the connections it accepts, so every
    answer written in two parts waited for the client's delayed ACK (40 ms
    on Linux). The socket is rebuilt here as a TCP one, with TCP_NODELAY.
    """

    def bind_socket(self) -> socket.socket:
        bound = super().bind_socket()
        if bound.family not in (socket.AF_INET, socket.AF_INET6):
            return bound
        tcp = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
        tcp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        tcp.set_inheritable(True)
        return tcp


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(*, host: str, port: int, workers: int, settings: Settings) -> int:
    """Run the service until it is stopped; the exit status."""
    try:
        settings = checked(settings)
    except SettingsError as error:
        print(f"policy serve: {error}", file=sys.stderr)
        return EXIT_SETTINGS
    os.environ.update(settings.to_environment())
    if settings.insecure_no_auth and not _loopback(host):
        print(f"policy serve: warning: serving on {host} without access control (--insecure-no-auth)",
              file=sys.stderr)
    config = _Config(FACTORY, factory=True, host=host, port=port, workers=workers, log_config=log_config(),
                     access_log=False, server_header=False, proxy_headers=False, timeout_graceful_shutdown=10,
                     limit_concurrency=settings.max_concurrency)
    server = uvicorn.Server(config)
    if workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    server.run()
    return 0 if server.started else EXIT_FAILED


__all__ = ["FACTORY", "checked", "log_config", "serve"]
