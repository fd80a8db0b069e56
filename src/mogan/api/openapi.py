"""The OpenAPI 3.1 document, generated from ``router.ROUTES`` and the models.

Never written by hand: ``python -m mogan.api.openapi`` prints it, and a test
fails when the checked-in ``docs/api/openapi.json`` differs.
"""

import json
import sys
from typing import Any

import pydantic
from pydantic import json_schema

from mogan.api import microversion, router
from mogan.api import routes as _routes  # noqa: F401 - declares every route

REF = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error_message", "code"],
    "properties": {
        "error_message": {
            "type": "string",
            "description": (
                "JSON-encoded object with faultcode (Client|Server), "
                "faultstring (the message) and debuginfo (Mogan v1 shape)."
            ),
        },
        "code": {"type": "string", "description": "Stable error code."},
    },
}


def _models() -> list[type[pydantic.BaseModel]]:
    found: dict[str, type[pydantic.BaseModel]] = {}
    for r in router.ROUTES:
        for model in (r.body, r.response):
            if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
                found[model.__name__] = model
    return [found[name] for name in sorted(found)]


def _query_parameters(model: type[pydantic.BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": prop,
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _path_parameters(r: router.Route) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": pydantic.TypeAdapter(annotation).json_schema(),
        }
        for name, annotation in r.path_params.items()
    ]


def _operation(r: router.Route) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{r.view.__module__.rsplit('.', 1)[-1]}.{r.view.__name__}",
        "summary": r.summary,
        "tags": [r.tag],
    }
    params = _path_parameters(r)
    if r.query is not None:
        params += _query_parameters(r.query)
    params.append(
        {
            "name": microversion.HEADER,
            "in": "header",
            "required": False,
            "schema": {"type": "string", "example": "baremetal-compute 1.1"},
        }
    )
    op["parameters"] = params
    if r.body is not None:
        op["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": REF.format(model=r.body.__name__)}
                }
            },
        }
    success: dict[str, Any] = {"description": "Success"}
    if isinstance(r.response, type) and issubclass(r.response, pydantic.BaseModel):
        success["content"] = {
            "application/json": {
                "schema": {"$ref": REF.format(model=r.response.__name__)}
            }
        }
    error = {
        "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
    }
    op["responses"] = {
        str(r.status): success,
        "400": {"description": "Invalid input", **error},
        **(
            {}
            if r.public
            else {
                "401": {"description": "Not authenticated", **error},
                "403": {"description": "Refused by policy", **error},
            }
        ),
        **({"404": {"description": "Not found", **error}} if r.path_params else {}),
    }
    if r.method in {"POST", "PATCH"} and not r.public:
        op["responses"]["409"] = {"description": "Conflict", **error}
    if not r.public:
        op["security"] = [{"keystone": []}, {"http_basic": []}]
    return op


def document() -> dict[str, Any]:
    """The OpenAPI document for every declared route."""
    requests = _request_names()
    _, defs = json_schema.models_json_schema(
        [
            (m, "validation" if m.__name__ in requests else "serialization")
            for m in _models()
        ],
        ref_template=REF,
    )
    schemas = dict(defs.get("$defs", {}))
    schemas["Error"] = ERROR_SCHEMA
    paths: dict[str, dict[str, Any]] = {}
    for r in sorted(router.ROUTES, key=lambda r: (r.path, r.method)):
        paths.setdefault(r.path, {})[r.method.lower()] = _operation(r)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mogan bare-metal compute API",
            "version": str(microversion.MAX_VERSION),
            "description": "\n".join(
                f"- {v}: {text}" for v, text in sorted(microversion.HISTORY.items())
            ),
        },
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {
                "keystone": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
                "http_basic": {"type": "http", "scheme": "basic"},
            },
        },
    }


def _request_names() -> set[str]:
    return {r.body.__name__ for r in router.ROUTES if r.body is not None}


def render() -> str:
    """The document as stable, pretty JSON."""
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"


def main() -> None:
    """Print the document (``python -m mogan.api.openapi``)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
