"""CDS Hooks authentication: the JWT the EHR signs, verified against configured public keys (PyJWT).

As the CDS Hooks specification requires of a service trusting a client:
the bearer token is a JWT signed with an asymmetric key (RS*, PS*, ES* or
EdDSA; never `none` and never a shared secret, which a public key set would
let anyone forge); `kid` picks the key; `iss`, `sub`, `aud`, `exp`, `iat` and
`jti` are required; `aud` is the URL of the service called; `exp` is at most
five minutes away; a `jti` is accepted once. Keys come from configuration
only (a `jku` in the token is never followed).

The configured keys are a JWKS (`{"keys": [...]}`: any issuer signing with
one of them), or a mapping of issuer to its JWKS (`{"https://ehr.example":
{"keys": [...]}}`: an issuer's tokens verified with its own keys only).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from typing import Any

import jwt
from attrs import frozen

# What each key type signs with; symmetric ("oct") keys are refused.
ALGORITHMS = {
    "RSA": ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    "EC": ("ES256", "ES384", "ES512"),
    "OKP": ("EdDSA",),
}
REQUIRED_CLAIMS = ["iss", "sub", "aud", "exp", "iat", "jti"]
LIFETIME_SECONDS = 300  # CDS Hooks: exp no more than five minutes in the future
LEEWAY_SECONDS = 30  # clock skew tolerated between the EHR and this service
TOKEN_CHARS = 16_384
REMEMBERED_TOKENS = 100_000


class Unauthorized(Exception):
    """The call is not authenticated; the message says why (never anything about the keys)."""


@frozen
class TrustedKey:
    issuer: str | None  # None: any issuer
    kid: str | None
    key: Any  # a cryptography public key
    algorithms: tuple[str, ...]


def _keys(jwks: Any, issuer: str | None) -> list[TrustedKey]:
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise ValueError("expected a JWKS: an object with a list of keys")
    found = []
    for jwk in jwks["keys"]:
        if not isinstance(jwk, Mapping) or jwk.get("kty") not in ALGORITHMS:
            raise ValueError("each key must be a public RSA, EC or OKP key (symmetric keys are refused)")
        if any(private in jwk for private in ("d", "p", "q")):
            raise ValueError("a JWKS of trusted keys holds public keys only")
        allowed = ALGORITHMS[jwk["kty"]]
        declared = jwk.get("alg")
        if declared is not None and declared not in allowed:
            raise ValueError(f"key algorithm {declared!r} is not allowed for a {jwk['kty']} key")
        try:
            parsed = jwt.PyJWK(dict(jwk), declared)
        except jwt.PyJWTError as error:
            raise ValueError(f"unusable key: {error}") from None
        algorithms = (declared,) if declared else allowed
        kid = jwk.get("kid")
        found.append(TrustedKey(issuer, kid if isinstance(kid, str) else None, parsed.key, algorithms))
    return found


def trusted_keys(configured: Mapping[str, Any]) -> list[TrustedKey]:
    """The keys a configuration trusts, or ValueError when it is not a usable JWKS (or issuer -> JWKS).

    No key at all (`{"keys": []}`) is a usable configuration: every call is refused (fail closed).
    """
    if "keys" in configured:
        return _keys(configured, None)
    found: list[TrustedKey] = []
    for issuer, jwks in configured.items():
        found += _keys(jwks, issuer)
    return found


class _SeenTokens:
    """The `jti`s accepted and not yet expired, so a token is accepted once (bounded: the oldest are forgotten)."""

    def __init__(self, capacity: int) -> None:
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self._capacity = capacity

    def first_use(self, key: str, expires: float, now: float) -> bool:
        with self._lock:
            while self._seen and next(iter(self._seen.values())) < now - LEEWAY_SECONDS:
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = expires
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("a bearer token (the JWT the EHR signs) is required")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("expected Authorization: Bearer <JWT>")
    token = token.strip()
    if len(token) > TOKEN_CHARS:
        raise Unauthorized("the token is too long")
    return token


class HookAuthenticator:
    """Verifies the CDS Hooks JWT of each call against the trusted keys."""

    def __init__(self, configured: Mapping[str, Any], *, clock: Callable[[], float] = time.time,
                 remembered: int = REMEMBERED_TOKENS) -> None:
        self.keys = trusted_keys(configured)
        self._clock = clock
        self._seen = _SeenTokens(remembered)

    def _candidates(self, header: Mapping[str, Any], issuer: Any) -> list[TrustedKey]:
        kid = header.get("kid")
        return [key for key in self.keys
                if key.issuer in (None, issuer)
                and (kid is None or key.kid is None or key.kid == kid)
                and header.get("alg") in key.algorithms]

    def verify(self, authorization: str | None, audience: Collection[str]) -> dict[str, Any]:
        """The token's claims, or Unauthorized saying why it is refused."""
        token = bearer_token(authorization)
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except (jwt.PyJWTError, ValueError):
            raise Unauthorized("the bearer token is not a JWT") from None
        if not self.keys:
            raise Unauthorized("no key is trusted for CDS Hooks calls: configure the EHR's JWKS")
        candidates = self._candidates(header, unverified.get("iss"))
        if not candidates:
            raise Unauthorized("no trusted key for this token's issuer, key id and algorithm")
        now = self._clock()
        claims: dict[str, Any] | None = None
        for candidate in candidates:
            try:
                claims = jwt.decode(
                    token, candidate.key, algorithms=[header["alg"]], audience=list(audience),
                    leeway=LEEWAY_SECONDS, options={"require": REQUIRED_CLAIMS},
                )
                break
            except jwt.InvalidSignatureError:
                continue
            except jwt.PyJWTError as error:
                raise Unauthorized(f"the token is refused: {type(error).__name__}") from None
        if claims is None:
            raise Unauthorized("the token's signature does not verify")
        return self._checked(claims, now)

    def _checked(self, claims: dict[str, Any], now: float) -> dict[str, Any]:
        expires, issued = claims["exp"], claims["iat"]
        if not isinstance(issued, int | float) or issued > now + LEEWAY_SECONDS:
            raise Unauthorized("the token is issued in the future")
        if expires > now + LIFETIME_SECONDS + LEEWAY_SECONDS:
            raise Unauthorized("the token expires more than five minutes from now")
        if not isinstance(claims["jti"], str) or not claims["jti"]:
            raise Unauthorized("the token's jti must be a non-empty string")
        if not self._seen.first_use(f"{claims['iss']}\0{claims['jti']}", float(expires), now):
            raise Unauthorized("the token was already used (jti seen before)")
        return claims


__all__ = ["HookAuthenticator", "TrustedKey", "Unauthorized", "bearer_token", "trusted_keys"]
