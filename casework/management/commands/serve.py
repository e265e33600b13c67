"""`casework serve`: the web app under uvicorn."""

from typing import Any

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    """Thin: parse the address, warn about unapplied migrations, hand over to uvicorn."""

    help = "Serve the web app and API over HTTP (uvicorn on the ASGI app; WhiteNoise for static)."

    def add_arguments(self, parser: CommandParser) -> None:
        """--host, --port, --workers."""
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to bind (8000)")
        parser.add_argument(
            "--workers", type=int, default=1, help="web processes to run (1); they share nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Serve until interrupted."""
        self.check_migrations()
        if options["workers"] > 1 and not settings.CASEWORK_REDIS_URL:
            self.stderr.write(
                "casework: warning: --workers > 1 without CASEWORK_REDIS_URL: a chat message "
                "reaches only the websockets of the process it was written in (set "
                "CASEWORK_REDIS_URL so that every process shares one channel layer)"
            )
        self.stdout.write(f"casework: serving on http://{options['host']}:{options['port']}/")
        self.stdout.flush()
        uvicorn.run(
            "casework.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            # Django's ASGI handler does not implement the lifespan protocol.
            lifespan="off",
            log_level="info",
            # Chat websockets (casework.channels.chat): the sans-I/O websockets protocol, and
            # frames big enough for the longest chat message once JSON-escaped, no bigger.
            ws="websockets-sansio",
            ws_max_size=16 * settings.CASEWORK_CHAT_MAX_CHARS + 4096,
        )
