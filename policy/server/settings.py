"""What a server process is told: its settings, carried in environment variables.

`policy serve` starts one or more uvicorn worker processes, each importing
the app factory afresh; the environment is the one channel every worker
inherits, so the command writes the settings there and each worker reads
them back (`Settings.from_environment`). Tokens themselves are never written
there by the command: workers read the tokens file, or the operator's own
`POLICY_API_TOKENS`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import attrs

from policy.limits import LIMITS

PREFIX = "POLICY_SERVER_"
# The variable operators set themselves (issue 9 names it): comma-separated tokens.
TOKENS_VARIABLE = "POLICY_API_TOKENS"
DEFAULT_DECISION_LOG = "decisions.jsonl"


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and why (no traceback is shown)."""


def _positive(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise SettingsError(f"{attribute.name.replace('_', '-')} must be at least 1, got {value}")


MAX_URL_CHARS = 200


def _base_url(instance: object, attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is None:
        return
    if not value.startswith(("https://", "http://")) or len(value) > MAX_URL_CHARS or not value.isprintable() \
            or " " in value:
        raise SettingsError(f"public-base-url must be an http(s) URL of at most {MAX_URL_CHARS} characters")


# Settings read back from the environment as text (the others are flags, numbers or paths).
_TEXT = frozenset({"public_base_url"})


@attrs.frozen
class Settings:
    """Everything a worker needs to serve; defaults are the safe choice for each."""

    # Where the tokens come from; both may be given (their union is accepted).
    tokens_file: Path | None = None
    # Only with this set does a server without any token start.
    insecure_no_auth: bool = False
    decision_log: Path = Path(DEFAULT_DECISION_LOG)
    # The decision log is renamed to `<name>.1` (older ones shifted) past this size.
    decision_log_max_bytes: int = attrs.field(default=64 << 20, validator=_positive)
    decision_log_backups: int = attrs.field(default=5, validator=_positive)
    # Whether each decision line also carries the request document (off: requests hold patient data).
    log_requests: bool = False
    max_body_bytes: int = attrs.field(default=LIMITS.request_bytes, validator=_positive)
    # A batch is bounded as a whole too: lines and bytes.
    batch_max_lines: int = attrs.field(default=10_000, validator=_positive)
    batch_max_bytes: int = attrs.field(default=64 << 20, validator=_positive)
    # The public keys CDS Hooks JWTs are verified against (a JWKS JSON file).
    cds_jwks: Path | None = None
    # The base URL EHRs call (behind a proxy it is not the one the server sees): a CDS Hooks
    # JWT's audience must be <base>/cds-services/<service id>.
    public_base_url: str | None = attrs.field(default=None, validator=_base_url)
    # One log line per request (method, path, status, request id, milliseconds).
    access_log: bool = True
    # Connections and requests one worker takes at once; past it, 503. Each may hold a body of
    # max_body_bytes, so this bounds a worker's memory under a flood of large requests.
    max_concurrency: int = attrs.field(default=256, validator=_positive)

    def to_environment(self) -> dict[str, str]:
        """The variables that carry these settings to worker processes."""
        values: dict[str, str] = {}
        for field in attrs.fields(Settings):
            value = getattr(self, field.name)
            if value is None:
                continue
            values[PREFIX + field.name.upper()] = ("1" if value else "0") if isinstance(value, bool) else str(value)
        return values

    @classmethod
    def from_environment(cls, environment: Mapping[str, str] | None = None) -> Settings:
        """The settings `to_environment` wrote (unset variables keep their defaults)."""
        source = os.environ if environment is None else environment
        given: dict[str, object] = {}
        for field in attrs.fields(Settings):
            text = source.get(PREFIX + field.name.upper())
            if text is None:
                continue
            given[field.name] = _read(field.name, text, field.default)
        return cls(**given)  # type: ignore[arg-type]


def _read(name: str, text: str, default: object) -> object:
    if name in _TEXT:
        return text
    if isinstance(default, bool):
        if text not in ("0", "1"):
            raise SettingsError(f"{PREFIX}{name.upper()} must be 0 or 1")
        return text == "1"
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise SettingsError(f"{PREFIX}{name.upper()} must be a whole number") from None
    return Path(text)


__all__ = ["DEFAULT_DECISION_LOG", "PREFIX", "TOKENS_VARIABLE", "Settings", "SettingsError"]
