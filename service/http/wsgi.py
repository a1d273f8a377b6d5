"""gunicorn's entry point: ``gunicorn -c gunicorn.conf.py service.http.wsgi:app``.

Imported in each worker after fork (no preload), so the app and its engine are per process; the
post_worker_init hook in gunicorn.conf.py starts the model load.
"""

from service.http.app import create_app

app = create_app()
