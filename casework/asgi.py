"""ASGI entry point: `casework serve` and `casework demo` run it under uvicorn.

Every view of casework is synchronous, so HTTP requests go to Django's WSGI handler on a
fixed pool of threads (``a2wsgi.WSGIMiddleware``): one hand-over to a thread and back per
request. Django's own ASGI handler runs the same synchronous views and middleware through
``sync_to_async``/``async_to_sync`` at every boundary of the middleware chain, and in a new
thread for every request (so database connections could not be kept): on the project's
machine one worker served ``/healthz`` at about 240 requests/s against 930-1,200 this way,
and case creation at 84/s against 230-270 (docs/benchmarks.md, run E). The pool's size is
``CASEWORK_WEB_THREADS``; each thread keeps its database connection between requests.

Websockets (the chat, R1) are the one thing WSGI cannot carry: their scope goes to Django
Channels, behind the session and authentication middleware and a check that the page
opening the socket is this site's (``AllowedHostsOriginValidator``, against cross-site
websocket hijacking).
"""

import os
from typing import Any

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

http_application = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]
    workers=settings.CASEWORK_WEB_THREADS,
)

# Imported once Django is set up (get_wsgi_application above): the consumers use models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from casework.channels.chat.routing import websocket_urlpatterns  # noqa: E402

websocket_application = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
)


async def application(scope: Any, receive: Any, send: Any) -> None:
    """Websockets to Channels; HTTP (and uvicorn's lifespan messages) to the WSGI pool."""
    if scope["type"] == "websocket":
        await websocket_application(scope, receive, send)
    else:
        await http_application(scope, receive, send)
