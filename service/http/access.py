"""Who may call: optional API keys (constant-time comparison of sha256 digests) and a CORS allow-list."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

from flask import Flask, Response, request

from service.errors import ConfigurationError, Unauthorized
from service.settings import Settings

# Probes, the scraper, the spec and the page's own files work without credentials (they hold no
# data; the page asks for a key and sends it with its API calls).
OPEN_PATHS = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/", "/docs"}
OPEN_PREFIXES = ("/static/",)


def load_key_digests(settings: Settings) -> list[bytes]:
    keys = [k.strip() for k in settings.api_keys.split(",") if k.strip()]
    if settings.api_keys_file:
        try:
            lines = Path(settings.api_keys_file).read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigurationError(f"cannot read BRIEFLY_API_KEYS_FILE: {exc}") from exc
        keys += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return [hashlib.sha256(k.encode()).digest() for k in keys]


def presented_key() -> str:
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("X-API-Key", "").strip()


def owner() -> str:
    """Whose files and batches a request sees: a digest of the API key it presented (keys see only
    their own), or "" when no keys are configured."""
    return str(request.environ.get("briefly.owner", ""))


def install_access_control(app: Flask, settings: Settings) -> None:
    digests = load_key_digests(settings)
    origins = {o.strip() for o in settings.cors_origins.split(",") if o.strip()}

    if digests:

        @app.before_request
        def require_key() -> None:
            if request.path in OPEN_PATHS or request.path.startswith(OPEN_PREFIXES) or request.method == "OPTIONS":
                return
            candidate = hashlib.sha256(presented_key().encode()).digest()
            # Compare against every key, always, so timing tells nothing about which matched.
            matched = False
            for digest in digests:
                matched |= hmac.compare_digest(candidate, digest)
            if not matched:
                raise Unauthorized("a valid API key is required (Authorization: Bearer <key> or X-API-Key)")
            request.environ["briefly.owner"] = candidate.hex()[:32]

    if origins:

        @app.after_request
        def allow_listed_origins(response: Response) -> Response:
            origin = request.headers.get("Origin")
            if origin in origins:
                response.headers["Access-Control-Allow-Origin"] = origin
                response.headers["Access-Control-Allow-Headers"] = (
                    "Authorization, Content-Type, X-API-Key, X-Request-ID"
                )
                response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
                response.headers["Access-Control-Expose-Headers"] = "X-Request-ID, Retry-After"
            response.headers.add("Vary", "Origin")
            return response
