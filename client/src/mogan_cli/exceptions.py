"""What the client library raises; every message is one line for the CLI.

::

    ClientError
    ├── ConfigError          no endpoint, bad option, unreadable clouds.yaml
    ├── AuthError            Keystone refused us or has no Mogan endpoint
    ├── ConnectionFailed     nothing answered at the endpoint
    ├── CommandError         a name resolved to nothing, or to several things
    └── HttpError            the API answered with an error status
"""

import json
from typing import Any

import httpx

REQUEST_ID_HEADER = "x-openstack-request-id"


def one_line(text: str) -> str:
    """``text`` with its whitespace runs (newlines included) folded to one space."""
    return " ".join(text.split())


class ClientError(Exception):
    """Base of everything the client library raises on purpose."""

    def __init__(self, message: str) -> None:
        """Keep ``message`` on one line, because the CLI prints it as it is."""
        self.message = one_line(message)
        super().__init__(self.message)


class ConfigError(ClientError):
    """The endpoint or credentials are missing or contradictory."""


class AuthError(ClientError):
    """Authentication with Keystone failed, or its catalog has no Mogan."""


class ConnectionFailed(ClientError):
    """Nothing answered at the API endpoint (refused, unresolvable, timed out)."""


class CommandError(ClientError):
    """A command could not do what it was asked (e.g. an unknown flavor name)."""


class HttpError(ClientError):
    """The API answered with an error status.

    The message reads ``Error (HTTP <status>, <code>): <fault> [<hint>]
    (Request-ID: <id>)``; the request id finds the request in the server's
    logs.

    Attributes:
        status: the HTTP status code.
        code: the server's stable error code (``mogan.flavor.not_found``), or
            ``None`` when the body carried none.
        fault: the human-readable reason (the v1 ``faultstring``).
        request_id: the answer's ``x-openstack-request-id``, if any.
    """

    def __init__(
        self,
        status: int,
        code: str | None,
        fault: str,
        *,
        request_id: str | None = None,
        hint: str | None = None,
    ) -> None:
        """Describe an error answer; ``hint`` says what the caller may do."""
        self.status = status
        self.code = code
        self.fault = one_line(fault)
        self.request_id = request_id
        where = f"HTTP {status}, {code}" if code else f"HTTP {status}"
        message = f"Error ({where}): {self.fault}"
        if hint:
            message += f" {hint}"
        if request_id:
            message += f" (Request-ID: {request_id})"
        super().__init__(message)

    @classmethod
    def from_response(
        cls, response: httpx.Response, hint: str | None = None
    ) -> "HttpError":
        """Parse Mogan's error body (``error_message`` holds a JSON string).

        Bodies that are not Mogan's (a proxy's HTML page) fall back to the
        status line, so the CLI still prints one readable line.
        """
        code: str | None = None
        fault = response.reason_phrase or "request failed"
        try:
            body: Any = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code = body.get("code") if isinstance(body.get("code"), str) else None
            fault = _faultstring(body.get("error_message")) or fault
        return cls(
            response.status_code,
            code,
            fault,
            request_id=response.headers.get(REQUEST_ID_HEADER),
            hint=hint,
        )


def _faultstring(error_message: Any) -> str | None:
    """The ``faultstring`` of a v1 ``error_message`` (a JSON string or a dict)."""
    if isinstance(error_message, str):
        try:
            error_message = json.loads(error_message)
        except ValueError:
            return error_message or None
    if isinstance(error_message, dict):
        fault = error_message.get("faultstring")
        return str(fault) if fault else None
    return None
