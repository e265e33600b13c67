"""ASGI entry point: `casework serve` runs it under uvicorn (WhiteNoise serves the static files)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

application = get_asgi_application()
