"""The REST API object, mounted at /api/v1/ (OpenAPI 3.1 at /api/v1/openapi.json).

Each domain app contributes a ninja Router from its ``api.py``; add it here with
``api.add_router("/<prefix>", router)``.
"""

from casework.api.errors import CaseworkAPI
from casework.cases.api import router as cases_router
from casework.channels.alertmanager.api import router as alertmanager_router
from casework.channels.api import router as intake_router
from casework.channels.phone.api import router as phone_router
from casework.policies.api import router as policies_router
from casework.status.api import router as status_router

api = CaseworkAPI(
    title="casework",
    version="1",
    description="A help desk whose support policy is code. Errors: see casework/api/errors.py.",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url="/docs",
)

api.add_router("/", policies_router)
api.add_router("/", cases_router)
api.add_router("/", intake_router)
api.add_router("/", alertmanager_router)
api.add_router("/", phone_router)
api.add_router("/", status_router)
