"""One table from domain exceptions to HTTP, and the error body.

Error bodies keep Mogan v1's shape, which python-moganclient parses: an
``error_message`` holding a JSON *string* with ``faultcode``,
``faultstring`` and ``debuginfo``. We add a stable ``code`` beside it so
clients can match errors without parsing prose.
"""

import json
import logging
import traceback
from typing import Any

import flask
import pydantic
from werkzeug import exceptions as wz_exc

from mogan import exception
from mogan.api import requestlog

LOG = logging.getLogger(__name__)

SERVER_ERROR = 500

# NOTE: most specific first; the first match wins.
STATUS_BY_EXCEPTION: list[tuple[type[exception.MoganError], int]] = [
    (exception.VersionNotSupported, 406),
    (exception.UnsupportedMediaType, 415),
    (exception.ServiceUnavailable, 503),
    (exception.Invalid, 400),
    (exception.NotAuthenticated, 401),
    (exception.Forbidden, 403),
    (exception.NotFound, 404),
    (exception.Conflict, 409),
    (exception.MoganError, 500),
]


def status_for(err: exception.MoganError) -> int:
    """The HTTP status for a domain exception."""
    for cls, status in STATUS_BY_EXCEPTION:
        if isinstance(err, cls):
            return status
    return 500  # pragma: no cover - MoganError is the last row


def body(
    status: int, message: str, code: str, debuginfo: str | None = None
) -> dict[str, Any]:
    """The v1 error body plus the stable error code."""
    fault = {
        "faultcode": "Client" if status < SERVER_ERROR else "Server",
        "faultstring": message,
        "debuginfo": debuginfo,
    }
    return {"error_message": json.dumps(fault), "code": code}


def response(
    status: int,
    message: str,
    code: str,
    debuginfo: str | None = None,
    headers: dict[str, str] | None = None,
) -> flask.Response:
    """A JSON error response."""
    resp = flask.jsonify(body(status, message, code, debuginfo))
    resp.status_code = status
    for key, value in (headers or {}).items():
        resp.headers[key] = value
    return resp


def describe_validation_error(
    err: pydantic.ValidationError, prefix: str | None = None
) -> tuple[str, str]:
    """The field path and reason of the first validation error."""
    first = err.errors(include_url=False)[0]
    parts = [str(p) for p in first["loc"] if p not in {"body", "query"}]
    # NOTE: pydantic reports the failing member of a union or the validator
    # branch as an extra location segment; those are not field names.
    parts = [p for p in parts if not p.startswith(("function-", "json-or-python"))]
    if prefix:
        parts.insert(0, prefix)
    field = ".".join(parts) or (prefix or "body")
    reason = first["msg"]
    if first["type"] == "extra_forbidden":
        reason = "unknown field; additional properties are not allowed"
    return field, reason


def handle_mogan_error(err: exception.MoganError) -> flask.Response:
    """Render a domain exception."""
    status = status_for(err)
    headers = {}
    if isinstance(err, exception.ServiceUnavailable):
        headers["Retry-After"] = str(err.retry_after)
    elif status >= SERVER_ERROR:
        LOG.error("Unexpected domain error: %s", err, exc_info=err)
    return response(status, err.message, err.code, headers=headers)


def handle_http_exception(err: wz_exc.HTTPException) -> flask.Response:
    """Render routing errors (unknown path, wrong method) in our shape."""
    status = err.code or 500
    code = {404: "mogan.not_found", 405: "mogan.method_not_allowed"}.get(
        status, f"mogan.http_{status}"
    )
    headers = {}
    if isinstance(err, wz_exc.MethodNotAllowed) and err.valid_methods:
        headers["Allow"] = ", ".join(sorted(err.valid_methods))
    return response(status, err.description or err.name, code, headers=headers)


def handle_unexpected(err: Exception) -> flask.Response:
    """Render a bug as a 500 without leaking internals (unless configured)."""
    LOG.error(
        "Unhandled error serving %s %s",
        flask.request.method,
        requestlog.redact(flask.request.path),
        exc_info=err,
    )
    debug = flask.current_app.config.get("MOGAN_TRACEBACKS", False)
    return response(
        500,
        "An unexpected error prevented the request from being served.",
        "mogan.internal_error",
        debuginfo=traceback.format_exc() if debug else None,
    )
