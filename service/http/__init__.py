"""The HTTP layer: Flask app factory, routes, streaming, the page, docs, access, metrics, logging."""
