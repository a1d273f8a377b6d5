"""The web page at ``/`` and the API docs at ``/docs``: static files from ``service/http/static`` (no
CDN, no build step), served with a Content-Security-Policy that allows this origin only."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

bp = Blueprint("ui", __name__)

# Scripts and connections to this origin only; Swagger UI sets inline styles and data: images.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
PAGES = {"/": "index.html", "/docs": "docs.html"}


def _page(filename: str) -> Response:
    response = current_app.send_static_file(filename)
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/")
def index() -> Response:
    return _page(PAGES["/"])


@bp.get("/docs")
def docs() -> Response:
    return _page(PAGES["/docs"])
