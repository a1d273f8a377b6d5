"""Flask application factory. ``create_app()`` for gunicorn, ``create_app(settings, engine=...)`` in tests."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from service.engine.engine import Engine
from service.engine.protocol import Error, ErrorDetail, dump
from service.errors import BrieflyError, is_internal
from service.http.access import install_access_control
from service.http.batch_routes import bp as batch_bp
from service.http.metrics import install_metrics
from service.http.observability import configure_logging, install_request_ids
from service.http.page import bp as ui_bp
from service.http.routes import bp
from service.settings import Settings

log = logging.getLogger(__name__)

# Werkzeug's own errors (routing, body size) get the same JSON shape as ours.
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large", 400: "malformed_request"}


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> Flask:
    """Build the app. The engine is created but not loaded: the caller (gunicorn's post-fork hook,
    the CLI or a test) decides when the heavy load happens."""
    settings = settings or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    app = Flask(__name__)
    app.config["BRIEFLY_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["briefly.engine"] = engine = engine or Engine(settings)
    install_request_ids(app)
    install_metrics(app, engine)
    install_access_control(app, settings)
    app.register_blueprint(bp)
    app.register_blueprint(batch_bp)
    app.register_blueprint(ui_bp)
    _register_error_handlers(app)
    return app


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(BrieflyError)
    def briefly_error(exc: BrieflyError) -> Any:
        if is_internal(exc):
            log.error("internal error: %s", exc)
        status, body, headers = Error.of(exc)
        return jsonify(dump(body)), status, headers

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        message = exc.description or exc.name
        if status == 413:
            message = f"the request body exceeds the limit of {app.config['MAX_CONTENT_LENGTH']} bytes"
        code = HTTP_CODES.get(status, exc.name.lower().replace(" ", "_"))
        return jsonify(dump(Error(error=ErrorDetail(code=code, message=message)))), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        log.exception("unhandled error")
        status, body, _ = Error.of(exc)
        return jsonify(dump(body)), status
