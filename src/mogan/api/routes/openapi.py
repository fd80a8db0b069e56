"""``GET /v1/openapi.json``: the generated API description (public)."""

from typing import Any

from mogan.api import router


@router.route("GET", "/v1/openapi.json", policy=None, tag="version")
def openapi_document() -> dict[str, Any]:
    """Return the OpenAPI 3.1 description of this API."""
    # NOTE: imported lazily: the generator imports every route module,
    # including this one.
    from mogan.api import openapi  # noqa: PLC0415

    return openapi.document()
