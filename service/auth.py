"""API keys (``Authorization: Bearer``) with scopes, and per-key rate limits."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from flask import Flask, current_app, g, request

from .errors import ProblemError

SCOPES = ("read", "write", "admin")
PUBLIC = {"/healthz", "/readyz", "/metrics", "/v1/openapi.json", "/"}
#: The page's shell for one document: it holds no data (its script asks for a key, then reads
#: ``/documents/<id>/analysis``, which needs ``read`` like the API).
PAGE_SHELL = re.compile(r"/documents/[^/]+")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_key(store, name: str, scopes: list[str], rate_limit: int = 0) -> tuple[str, str]:
    """Create a key; return ``(key_id, token)``. Only the token's SHA-256 is stored."""
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be among {', '.join(SCOPES)}")
    key_id = secrets.token_hex(4)
    token = f"nd_{key_id}_{secrets.token_urlsafe(32)}"
    store.save_key(key_id, digest(token), name, scopes, rate_limit)
    return key_id, token


def required_scope(method: str, path: str) -> str | None:
    if path in PUBLIC or path.startswith("/v1/docs") or PAGE_SHELL.fullmatch(path):
        return None
    if not path.startswith(("/v1/", "/documents/")):
        return None
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    return "admin" if method == "DELETE" else "write"


def authenticate(token: str) -> dict | None:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "nd":
        return None
    record = current_app.extensions["newsdesk"].store.get_key(parts[1])
    # compare digests in constant time so response timing reveals nothing about the secret
    if record is None or not hmac.compare_digest(record["digest"], digest(token)):
        return None
    return record


def init_app(app: Flask) -> None:
    settings = app.extensions["newsdesk"].settings

    @app.before_request
    def check_key():
        g.api_key = None
        scope = required_scope(request.method, request.path)
        if scope is None:
            return
        if settings.auth:
            header = request.headers.get("Authorization", "")
            if not header.startswith("Bearer "):
                raise ProblemError("unauthorized", "Send an API key as 'Authorization: Bearer <key>'.",
                                   headers={"WWW-Authenticate": 'Bearer realm="newsdesk"'})
            key = authenticate(header[7:].strip())
            if key is None:
                raise ProblemError("unauthorized", "The API key is not valid.",
                                   headers={"WWW-Authenticate": 'Bearer realm="newsdesk", error="invalid_token"'})
            if scope not in key["scopes"] and "admin" not in key["scopes"]:
                raise ProblemError("forbidden", f"This key lacks the '{scope}' scope.", required_scope=scope)
            g.api_key = key
        limit = (g.api_key or {}).get("rate_limit") or settings.rate_limit_per_minute
        if limit:
            who = g.api_key["id"] if g.api_key else f"ip:{request.remote_addr}"
            wait = app.extensions["newsdesk"].store.hit_rate_limit(who, limit)
            if wait:
                raise ProblemError("rate-limited", f"More than {limit} requests per minute.",
                                   headers={"Retry-After": str(wait)})
