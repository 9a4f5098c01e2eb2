"""Who is writing: bearer tokens from the config (stored hashed) and OIDC access tokens from one issuer.

Writes to the link API need a principal; reads are public. Two kinds of credentials are accepted in
``Authorization: Bearer <token>``:

- **node tokens**: ``links.tokens`` lists ``NAME:SHA256`` entries (the SHA-256 hex digest of the token,
  never the token itself). ``pangraph token NAME`` prints a new random token and the line to add.
  The principal is ``token:NAME``.
- **OIDC access tokens** (EOSC AAI is OIDC) that are JWTs signed by ``links.oidc.issuer``: the signature is
  checked against the issuer's JWKS, fetched only from ``links.oidc.jwks_url`` (timeout, size limit, cached
  for ``links.oidc.jwks_cache_s``), plus ``exp``, ``iss`` and ``aud`` (``links.oidc.audience``). The principal
  is ``oidc:{sub}`` (with the issuer kept alongside).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from pangraph.config import Config
from pangraph.errors import ConfigError

#: largest JWKS document accepted, in bytes
MAX_JWKS_BYTES = 256_000
#: algorithms accepted on OIDC tokens (asymmetric only: a JWKS holds public keys)
ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"]


class AuthError(Exception):
    """The request carries no usable credentials (401) — *reason* says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Principal:
    """Who made a request: ``token:NAME`` or ``oidc:SUB`` (``issuer`` set for OIDC)."""

    id: str
    kind: str  # "token" | "oidc"
    issuer: str | None = None


def hash_token(token: str) -> str:
    """The SHA-256 hex digest stored in ``links.tokens`` for *token*."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(name: str) -> tuple[str, str]:
    """A new random token for *name* and its config entry ``NAME:SHA256``."""
    if not name or ":" in name or "," in name or not name.isprintable():
        raise ConfigError(f"token name {name!r} must be non-empty, printable and without ':' or ','")
    token = secrets.token_urlsafe(32)
    return token, f"{name}:{hash_token(token)}"


def parse_token_entries(entries: list[str]) -> dict[str, str]:
    """``links.tokens`` as {sha256: name}; a malformed entry is a :class:`ConfigError`."""
    out: dict[str, str] = {}
    for entry in entries:
        name, sep, digest = entry.rpartition(":")
        digest = digest.strip().lower()
        if not sep or not name.strip() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ConfigError(f"links.tokens entry {entry!r} is not NAME:SHA256 (64 hex digits)", field="links.tokens")
        out[digest] = name.strip()
    return out


class JWKSCache:
    """The issuer's signing keys, fetched from one configured URL only, with a timeout, a size limit and a TTL."""

    def __init__(self, url: str, *, ttl_s: float, timeout_s: float) -> None:
        self.url = url
        self.ttl_s = ttl_s
        self.timeout_s = timeout_s
        self._keys: dict[str, Any] = {}
        self._fetched = 0.0
        self._lock = threading.Lock()

    def _fetch(self) -> dict[str, Any]:
        body = bytearray()
        try:
            with httpx.stream("GET", self.url, timeout=self.timeout_s, follow_redirects=False,
                              headers={"Accept": "application/json"}) as r:
                if r.status_code != 200:
                    raise AuthError(f"the issuer's JWKS ({self.url}) answered HTTP {r.status_code}")
                for chunk in r.iter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise AuthError(f"the issuer's JWKS is larger than {MAX_JWKS_BYTES} bytes")
        except httpx.HTTPError as e:
            raise AuthError(f"the issuer's JWKS ({self.url}) could not be fetched: {type(e).__name__}") from None
        try:
            keys = jwt.PyJWKSet.from_dict(json.loads(body)).keys
        except (ValueError, jwt.PyJWTError) as e:
            raise AuthError(f"the issuer's JWKS is not a valid key set: {e}") from None
        return {k.key_id or "": k for k in keys}

    def key(self, kid: str | None, *, refresh_if_missing: bool = True) -> Any:
        """The signing key *kid* (the only key when the token names none)."""
        with self._lock:
            stale = time.monotonic() - self._fetched > self.ttl_s
            if stale or (kid not in self._keys and refresh_if_missing
                         and time.monotonic() - self._fetched > 5.0):  # unknown kid: a key rotation?
                self._keys = self._fetch()
                self._fetched = time.monotonic()
            if kid is None and len(self._keys) == 1:
                return next(iter(self._keys.values()))
            if kid not in self._keys:
                raise AuthError(f"the token's signing key {kid!r} is not in the issuer's JWKS")
            return self._keys[kid]


class Authenticator:
    """Turns an ``Authorization`` header into a :class:`Principal`, or raises :class:`AuthError`."""

    def __init__(self, config: Config) -> None:
        self.tokens = parse_token_entries(list(config["links.tokens"]))
        self.issuer = config["links.oidc.issuer"].strip()
        self.audience = config["links.oidc.audience"].strip()
        jwks_url = config["links.oidc.jwks_url"].strip()
        if self.issuer and not (self.audience and jwks_url):
            raise ConfigError("links.oidc.issuer needs links.oidc.audience and links.oidc.jwks_url",
                              field="links.oidc.issuer")
        self.jwks = (JWKSCache(jwks_url, ttl_s=float(config["links.oidc.jwks_cache_s"]),
                               timeout_s=float(config["links.oidc.timeout_s"])) if self.issuer else None)

    @property
    def methods(self) -> list[str]:
        return (["token"] if self.tokens else []) + (["oidc"] if self.jwks else [])

    def authenticate(self, authorization: str | None) -> Principal:
        if not authorization:
            raise AuthError("writes need credentials: send 'Authorization: Bearer <token>'")
        scheme, _, credentials = authorization.strip().partition(" ")
        credentials = credentials.strip()
        if scheme.lower() != "bearer" or not credentials:
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        digest = hash_token(credentials)
        for known, name in self.tokens.items():
            if hmac.compare_digest(known, digest):
                return Principal(id=f"token:{name}", kind="token")
        if credentials.count(".") == 2 and self.jwks is not None:
            return self._oidc(credentials)
        raise AuthError("the bearer token is not one of the node's tokens"
                        + (" nor a JWT of the configured OIDC issuer" if self.jwks else ""))

    def _oidc(self, token: str) -> Principal:
        assert self.jwks is not None
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as e:
            raise AuthError(f"malformed JWT: {e}") from None
        if header.get("alg") not in ALGORITHMS:
            raise AuthError(f"JWT algorithm {header.get('alg')!r} is not accepted")
        key = self.jwks.key(header.get("kid"))
        try:
            claims = jwt.decode(token, key=key, algorithms=ALGORITHMS, audience=self.audience, issuer=self.issuer,
                                options={"require": ["exp", "iss", "aud", "sub"]}, leeway=30)
        except jwt.ExpiredSignatureError:
            raise AuthError("the access token has expired") from None
        except jwt.InvalidAudienceError:
            raise AuthError(f"the access token is not for this node (audience must be {self.audience!r})") from None
        except jwt.InvalidIssuerError:
            raise AuthError(f"the access token was not issued by {self.issuer!r}") from None
        except jwt.InvalidSignatureError:
            raise AuthError("the access token's signature does not verify against the issuer's keys") from None
        except jwt.PyJWTError as e:
            raise AuthError(f"invalid access token: {e}") from None
        return Principal(id=f"oidc:{claims['sub']}", kind="oidc", issuer=self.issuer)
