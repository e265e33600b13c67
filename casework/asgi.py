"""ASGI entry point: `casework serve` and `casework demo` run it under uvicorn.

Every view of casework is synchronous, so HTTP requests go to Django's WSGI handler on a
fixed pool of threads (``a2wsgi.WSGIMiddleware``): one hand-over to a thread and back per
request. Django's own ASGI handler runs the same synchronous views and middleware through
``sync_to_async``/``async_to_sync`` at every boundary of the middleware chain, and in a new
thread for every request (so database connections could not be kept): on the project's
machine one worker served ``/healthz`` at about 240 requests/s against 930-1,200 this way,
and case creation at 84/s against 230-270 (docs/benchmarks.md, run E). The pool's size is
``CASEWORK_WEB_THREADS``; each thread keeps its database connection between requests.
"""

import os

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

application = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]
    workers=settings.CASEWORK_WEB_THREADS,
)
