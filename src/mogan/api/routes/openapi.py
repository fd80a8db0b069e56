"""``GET /v1/openapi.json``: the generated API description (public)."""

from typing import Any

from mogan.api import openapi, router


@router.route("GET", "/v1/openapi.json", policy=None, tag="version")
def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of this API."""
    # NOTE: every route module is imported by the time a request is served.
    return openapi.document(router.ROUTES)
