"""The REST API (django-ninja): error shape, health check and the routers mounted at /api/v1."""
