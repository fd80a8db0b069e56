"""WSGI middleware logging one INFO line per API request, once it is answered.

The line names the request id, method, path (never the query string, which
may carry what a client should not have put there), status, duration in
milliseconds, and the caller's project and user as authentication set them
(``-`` when it did not: a 401, a public path). The same values ride on the
log record as ``extra`` attributes for structured log handlers.

Paths that carry a secret (a deploy medium's token) are logged with only
its first ``SHOWN`` characters (``redact``): enough to tell two apart,
not to fetch one.
"""

import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from oslo_middleware import request_id
from werkzeug import wsgi

LOG = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

SHOWN = 6
# NOTE: with and without /v1, as the router serves both.
_SECRET_SEGMENT = re.compile(r"(/deploy_media/|/deploy_images/)([^/]*)")


def redact(path: str) -> str:
    """``path`` with any secret segment cut to its first ``SHOWN`` characters."""
    return _SECRET_SEGMENT.sub(lambda m: m[1] + m[2][:SHOWN] + "...", path)


class RequestLog:
    """Log each request after its response, including errors and 401s."""

    def __init__(self, app: WSGIApp) -> None:
        """Log the requests ``app`` serves."""
        self.app = app

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Serve the request; log it when the server closes the response."""
        started = time.monotonic()
        status: list[str] = []

        def _start_response(
            status_line: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            status[:] = [status_line.split(" ", 1)[0]]
            return start_response(status_line, headers, exc_info)

        try:
            body = self.app(environ, _start_response)
        except Exception:
            # NOTE: the server answers 500 for an app that raises.
            _log(environ, "500", started)
            raise
        # NOTE: the WSGI server closes the body once it is sent, so the
        # duration covers producing the whole response.
        return wsgi.ClosingIterator(
            body, lambda: _log(environ, status[0] if status else "-", started)
        )


def _log(environ: dict[str, Any], status: str, started: float) -> None:
    # NOTE: the auth middleware wrote the caller's identity into this same
    # environ (keystonemiddleware through webob, which edits it in place).
    fields = {
        "request_id": environ.get(request_id.ENV_REQUEST_ID, "-"),
        "method": environ.get("REQUEST_METHOD", "-"),
        "path": redact(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")),
        "status": status,
        "duration_ms": round((time.monotonic() - started) * 1000, 1),
        "project_id": environ.get("HTTP_X_PROJECT_ID") or "-",
        "user_id": environ.get("HTTP_X_USER_ID") or "-",
    }
    LOG.info(
        "%(request_id)s %(method)s %(path)s status %(status)s "
        "%(duration_ms).1f ms project %(project_id)s user %(user_id)s",
        fields,
        extra=fields,
    )
