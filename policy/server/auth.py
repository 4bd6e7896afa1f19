"""Bearer tokens: where they come from, and checking one without leaking which part matched.

A token is compared as its sha256 digest against every configured token's
digest with `hmac.compare_digest`, over all tokens every time: neither the
length of a configured token, nor which one matched, nor how much of one
matched shows in the time taken.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Awaitable, Callable, Mapping

import attrs
from starlette.requests import Request

from policy.server.errors import Unauthorized
from policy.server.settings import TOKENS_VARIABLE, Settings, SettingsError

# A token is an opaque secret: long enough not to be guessed, in the characters
# RFC 6750's token68 allows, so it travels in a header unchanged.
MIN_TOKEN_CHARS = 16
MAX_TOKEN_CHARS = 512
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# The tokens file is read whole: a file of secrets is small.
MAX_TOKENS_FILE_BYTES = 1 << 20


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


@attrs.frozen
class Tokens:
    """The accepted tokens, held only as digests."""

    digests: tuple[bytes, ...]

    @classmethod
    def of(cls, tokens: list[str]) -> Tokens:
        return cls(tuple(_digest(token) for token in dict.fromkeys(tokens)))

    def __bool__(self) -> bool:
        return bool(self.digests)

    def accepts(self, candidate: str) -> bool:
        """Whether `candidate` is one of the tokens, in time independent of which and how close."""
        offered = _digest(candidate[:MAX_TOKEN_CHARS + 1])
        found = False
        for digest in self.digests:
            found |= hmac.compare_digest(offered, digest)
        return found and len(candidate) <= MAX_TOKEN_CHARS


def _checked(token: str, where: str) -> str:
    if not TOKEN_SHAPE.fullmatch(token):
        raise SettingsError(f"{where}: a token holds only letters, digits and -._~+/ (then '=' padding)")
    if not MIN_TOKEN_CHARS <= len(token) <= MAX_TOKEN_CHARS:
        raise SettingsError(f"{where}: a token is {MIN_TOKEN_CHARS} to {MAX_TOKEN_CHARS} characters long")
    return token


def _from_file(path: os.PathLike[str]) -> list[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_TOKENS_FILE_BYTES + 1)
    except OSError as error:
        raise SettingsError(f"cannot read the tokens file: {error.strerror or error}") from None
    if len(data) > MAX_TOKENS_FILE_BYTES:
        raise SettingsError("the tokens file is over 1 MiB: it holds one token a line")
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise SettingsError("the tokens file must be ASCII text, one token a line") from None
    tokens = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if line and not line.startswith("#"):  # blank lines and comments carry no token
            tokens.append(_checked(line, f"tokens file, line {number}"))
    return tokens


def load_tokens(settings: Settings, environment: Mapping[str, str] | None = None) -> Tokens:
    """The tokens of the tokens file and of POLICY_API_TOKENS; SettingsError if one is unusable."""
    source = os.environ if environment is None else environment
    tokens = _from_file(settings.tokens_file) if settings.tokens_file is not None else []
    listed = source.get(TOKENS_VARIABLE, "")
    for position, token in enumerate(listed.split(","), start=1):
        token = token.strip()
        if token:
            tokens.append(_checked(token, f"{TOKENS_VARIABLE}, token {position}"))
    return Tokens.of(tokens)


def require_tokens(settings: Settings, tokens: Tokens) -> None:
    """Refuse a server without access control unless the operator asked for one."""
    if not tokens and not settings.insecure_no_auth:
        raise SettingsError(
            f"no API token configured: give --tokens-file PATH or set {TOKENS_VARIABLE} "
            "(comma-separated), or start with --insecure-no-auth to serve without access control"
        )


SECURITY_SCHEME = "bearerAuth"
# How an operation says, in the OpenAPI document, that it needs the token.
SECURITY: list[dict[str, list[str]]] = [{SECURITY_SCHEME: []}]
SECURITY_SCHEMES = {SECURITY_SCHEME: {"type": "http", "scheme": "bearer",
                                      "description": "A token from the server's tokens file or POLICY_API_TOKENS."}}


def _bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header (scheme in any case), else None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


@attrs.frozen
class Authorizer:
    """Checks the bearer token of a request against the accepted tokens."""

    tokens: Tokens
    # True only for a server started with --insecure-no-auth and no token at all.
    open_access: bool

    @classmethod
    def of(cls, tokens: Tokens, settings: Settings) -> Authorizer:
        return cls(tokens, open_access=settings.insecure_no_auth and not tokens)

    def check(self, authorization: str | None) -> None:
        """Pass, or raise Unauthorized (401) for a missing or unaccepted token."""
        if self.open_access:
            return
        token = _bearer_token(authorization)
        if token is None:
            raise Unauthorized("a bearer token is required", error=None)
        if not self.tokens.accepts(token):
            raise Unauthorized("the bearer token is not accepted", error="invalid_token")

    def dependency(self) -> Callable[[Request], Awaitable[None]]:
        """The same check as a FastAPI dependency (for routers that take `dependencies`)."""

        async def require_bearer_token(request: Request) -> None:
            self.check(request.headers.get("authorization"))

        return require_bearer_token


__all__ = ["MIN_TOKEN_CHARS", "SECURITY", "SECURITY_SCHEMES", "Authorizer", "Tokens", "load_tokens", "require_tokens"]
