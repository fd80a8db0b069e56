"""The OpenAPI 3.1 document, generated from a route table and its models.

The caller passes the route table in (``mogan.api.spec`` passes every
declared route), so this module imports no route module and the route that
serves the document can import it.

Never written by hand: ``python -m mogan.api.spec`` prints it,
``tools/regenerate`` writes it to ``docs/api/openapi.json``, and a test fails
when that checked-in copy differs. The output must be deterministic (sorted
paths, schemas and tags; no timestamps), or that test would flap.

What the document promises is checked by a schemathesis fuzz of the running
app, so every status code a route can answer must be listed here.
"""

import http
import inspect
import re
import sys
from collections.abc import Sequence
from typing import Any

import flask
import pydantic
from pydantic import json_schema

from mogan.api import microversion, router

REF = "#/components/schemas/{model}"
_SAFE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
ModelNames = dict[type[Any], str]
"""Component schema name of each request and response model."""

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
        "code": {
            "type": "string",
            "description": "Stable error code, e.g. mogan.keypair.not_found.",
        },
    },
}

TAGS = {
    "availability_zones": "Availability zones that nodes are grouped into.",
    "deploy_images": (
        "Glance images at temporary URLs, for BMCs, installers and Ironic "
        "(no authentication: the URL's signed, expiring token is the "
        "authority)."
    ),
    "deploy_media": (
        "Media BMCs boot from (config drives), at URLs that expire "
        "(no authentication: the URL's token is the authority)."
    ),
    "flavors": "Kinds of bare-metal server a user can ask for.",
    "keypairs": "SSH and x509 keys, owned by one user.",
    "version": "API versions and this document (no authentication).",
}

# NOTE: routes that wait for the engine's first node sync (503 before it).
UNAVAILABLE_UNTIL_READY = {("POST", "/v1/servers")}
# NOTE: reads answered by an engine over RPC: 409 when none runs, or its
# driver cannot (writes may answer 409 anyway).
ENGINE_READS = {("GET", "/v1/manageable_servers")}

_ERROR_CONTENT = {
    "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}
}
_BINARY_CONTENT = {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
}
_VERSION_HEADER = {
    "description": "The microversion that served the request.",
    "schema": {"type": "string", "examples": ["baremetal-compute 1.0"]},
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_ERROR_CONTENT}


def _models(routes: Sequence[router.Route]) -> list[type[pydantic.BaseModel]]:
    found: dict[str, type[pydantic.BaseModel]] = {}
    for r in routes:
        for model in (r.body, r.response):
            if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
                found[model.__name__] = model
    return [found[name] for name in sorted(found)]


def _public_name(model: type[Any]) -> str | None:
    """The name a generic model (``RootModel[...]``) is published under.

    Pydantic names a parametrized model after its parameters, which makes an
    unreadable schema name; the module-level alias it was assigned to (e.g.
    ``PatchDocument``) is what a reader knows it by.
    """
    if _SAFE_NAME.match(model.__name__):
        return None
    module = sys.modules.get(model.__module__)
    aliases = sorted(
        name
        for name, value in inspect.getmembers(module)
        if value is model and _SAFE_NAME.match(name)
    )
    return aliases[0] if aliases else None


def _rename_refs(node: Any, renames: dict[str, str]) -> Any:
    """``node`` with every ``$ref`` to a renamed schema pointed at its new name."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                name = value.removeprefix(REF.format(model=""))
                out[key] = REF.format(model=renames.get(name, name))
            else:
                out[key] = _rename_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rename_refs(item, renames) for item in node]
    return node


def _schemas(routes: Sequence[router.Route]) -> tuple[dict[str, Any], ModelNames]:
    """Component schemas and each route model's component name."""
    requests = {r.body for r in routes if r.body is not None}
    refs, defs = json_schema.models_json_schema(
        [
            (m, "validation" if m in requests else "serialization")
            for m in _models(routes)
        ],
        ref_template=REF,
    )
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))
    names = {
        model: ref["$ref"].removeprefix(REF.format(model=""))
        for (model, _), ref in refs.items()
    }
    renames = {}
    for model, name in names.items():
        public = _public_name(model)
        if public is not None and public not in schemas:
            renames[name] = public
    for old, new in renames.items():
        schemas[new] = {**schemas.pop(old), "title": new}
    schemas = _rename_refs(schemas, renames)
    names = {model: renames.get(name, name) for model, name in names.items()}
    schemas["Error"] = ERROR_SCHEMA
    return dict(sorted(schemas.items())), names


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without the ``null`` branch of ``X | None``.

    A query string cannot carry JSON null: an optional parameter is simply
    left out, which the ``required: false`` already says.
    """
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [b for b in branches if b != {"type": "null"}]
    if len(kept) != 1 or len(kept) == len(branches):
        return schema
    rest = {k: v for k, v in schema.items() if k not in {"anyOf", "default"}}
    if schema.get("default") is not None:
        rest["default"] = schema["default"]
    return {**kept[0], **rest}


def _query_parameters(model: type[pydantic.BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    params = []
    for name, prop in schema.get("properties", {}).items():
        param: dict[str, Any] = {
            "name": name,
            "in": "query",
            "required": name in required,
            "schema": _without_null(prop),
        }
        if "description" in prop:
            param["description"] = prop["description"]
        params.append(param)
    return params


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


def _parameters(r: router.Route) -> list[dict[str, Any]]:
    params = _path_parameters(r)
    if r.query is not None:
        params += _query_parameters(r.query)
    params.append(
        {
            "name": microversion.HEADER,
            "in": "header",
            "required": False,
            "description": (
                f"'{microversion.SERVICE_TYPE} X.Y' or "
                f"'{microversion.SERVICE_TYPE} latest'; absent means "
                f"{microversion.MIN_VERSION}."
            ),
            "schema": {
                "type": "string",
                "examples": [microversion.header_value(microversion.MAX_VERSION)],
            },
        }
    )
    return params


def _serves_bytes(r: router.Route) -> bool:
    """Whether the route answers raw bytes (a ``flask.Response``), with ranges."""
    return isinstance(r.response, type) and issubclass(r.response, flask.Response)


def _partial() -> dict[str, Any]:
    """The 206 answer of a route serving bytes to a ``Range`` request."""
    return {
        "description": "The one byte range asked for (Range: bytes=a-b)",
        "headers": {
            "Content-Range": {
                "description": "Which bytes of how many: bytes a-b/size.",
                "schema": {"type": "string", "examples": ["bytes 0-2047/1048576"]},
            },
            microversion.HEADER: _VERSION_HEADER,
        },
        "content": _BINARY_CONTENT,
    }


def _success(r: router.Route, names: ModelNames) -> Any:
    no_content = r.status == http.HTTPStatus.NO_CONTENT
    headers: dict[str, Any] = {microversion.HEADER: _VERSION_HEADER}
    if r.status == http.HTTPStatus.CREATED:
        headers["Location"] = {
            "description": "URL of the created resource.",
            "schema": {"type": "string", "format": "uri"},
        }
    success: dict[str, Any] = {
        "description": "No content" if no_content else "Success",
        "headers": headers,
    }
    if _serves_bytes(r):
        success["content"] = _BINARY_CONTENT
    elif isinstance(r.response, type) and issubclass(r.response, pydantic.BaseModel):
        ref = {"$ref": REF.format(model=names[r.response])}
        success["content"] = {"application/json": {"schema": ref}}
    elif not no_content:
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    return success


def _responses(r: router.Route, names: ModelNames) -> dict[str, Any]:
    responses = {
        str(r.status): _success(r, names),
        "400": _error("Invalid input, or a malformed microversion header"),
    }
    if not r.public:
        responses["401"] = _error("Not authenticated")
        responses["403"] = _error("Refused by policy, or over quota")
    query_fields = r.query.model_fields if r.query is not None else {}
    # NOTE: a body can name other resources (a server's flavor, image,
    # network), so any write may also answer 404.
    if (
        r.path_params
        or "marker" in query_fields
        or r.body is not None
        or r.min_version > microversion.MIN_VERSION
    ):
        responses["404"] = _error(
            "Not found: the resource, a resource the body names, or the marker"
        )
    responses["406"] = _error("Microversion outside the supported range")
    if r.method in {"POST", "PATCH", "DELETE"} and not r.public:
        responses["409"] = _error("Conflict with the current state")
    if (r.method, r.path) in ENGINE_READS:
        responses["409"] = _error(
            "No engine answered, or the engine's driver cannot do it"
        )
    if r.body is not None:
        responses["415"] = _error(
            "The body is not sent as " + " or ".join(r.content_types)
        )
    if _serves_bytes(r):
        responses["206"] = _partial()
        responses["416"] = _error(
            "The range starts past the end (Content-Range: bytes */size)"
        )
    if (r.method, r.path) in UNAVAILABLE_UNTIL_READY:
        responses["503"] = _error(
            "Not ready: the nodes are not loaded yet (Retry-After says when to retry)"
        )
    return dict(sorted(responses.items()))


def _operation(r: router.Route, names: ModelNames) -> dict[str, Any]:
    op: dict[str, Any] = {
        "operationId": f"{r.view.__module__.rsplit('.', 1)[-1]}.{r.view.__name__}",
        "summary": r.summary,
        "tags": [r.tag],
    }
    details = (inspect.getdoc(r.view) or "").partition("\n")[2].strip()
    if details:
        op["description"] = details
    op["parameters"] = _parameters(r)
    if r.body is not None:
        schema = {"$ref": REF.format(model=names[r.body])}
        op["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media in r.content_types},
        }
    op["responses"] = _responses(r, names)
    if r.min_version > microversion.MIN_VERSION:
        op["x-openstack-min-version"] = str(r.min_version)
        op["description"] = (
            f"{op.get('description', '')}\n\nMicroversion {r.min_version} or later; "
            "older requests get 404."
        ).strip()
    if not r.public:
        op["security"] = [{"keystone": []}, {"http_basic": []}]
    return op


def document(routes: Sequence[router.Route]) -> dict[str, Any]:
    """The OpenAPI document for ``routes`` (the app's: ``router.ROUTES``)."""
    schemas, names = _schemas(routes)
    paths: dict[str, dict[str, Any]] = {}
    for r in sorted(routes, key=lambda r: (r.path, r.method)):
        paths.setdefault(r.path, {})[r.method.lower()] = _operation(r, names)
    used_tags = sorted({r.tag for r in routes})
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Mogan bare-metal compute API",
            "version": str(microversion.MAX_VERSION),
            "description": "Microversions:\n\n"
            + "\n".join(
                f"- {v}: {text}" for v, text in sorted(microversion.HISTORY.items())
            ),
        },
        "tags": [
            {"name": tag, "description": TAGS[tag]} if tag in TAGS else {"name": tag}
            for tag in used_tags
        ],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "keystone": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
                "http_basic": {"type": "http", "scheme": "basic"},
            },
        },
    }
