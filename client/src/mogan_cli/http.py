"""The API client: one ``httpx.Client``, the microversion header, error parsing.

Every request goes through :meth:`HTTPClient.request`, which adds
``OpenStack-API-Version: baremetal-compute X.Y`` when a version was asked
for, turns transport failures into :class:`~mogan_cli.exceptions.ConnectionFailed`
and error answers into :class:`~mogan_cli.exceptions.HttpError`. How the
caller authenticates (identity headers, HTTP Basic, a Keystone token) is
decided by :mod:`mogan_cli.auth` and handed in as headers or an ``httpx.Auth``.

Every request and response is logged at DEBUG on ``mogan_cli.http`` (what
``--debug`` shows), headers and JSON bodies with secrets masked
(:mod:`mogan_cli.redact`).
"""

import logging
import ssl
from collections.abc import Mapping
from typing import Any

import httpx

from mogan_cli import __version__, exceptions, redact

LOG = logging.getLogger(__name__)
SERVICE_TYPE = "baremetal-compute"
API_VERSION_HEADER = "OpenStack-API-Version"
UNAUTHORIZED = 401
# NOTE: what to tell a caller the API turned away, by the scheme it asks for
# (WWW-Authenticate) and whether the CLI sent credentials of that scheme.
AUTH_HINTS = {
    ("basic", False): "The API wants HTTP Basic credentials: pass --os-username "
    "and --os-password (OS_USERNAME, OS_PASSWORD).",
    ("basic", True): "The API refused the user name and password "
    "(--os-username, --os-password).",
    ("keystone", False): "The API wants a Keystone token: pass --os-auth-url "
    "and credentials, --os-token, or --os-cloud.",
    ("keystone", True): "The API refused the token.",
}
DEFAULT_TIMEOUT = 60.0
LATEST = "latest"


def normalize_endpoint(url: str) -> str:
    """The service root: ``http://host:6688/v1/`` and ``http://host:6688`` agree.

    Raises:
        ConfigError: ``url`` is not an absolute http(s) URL.
    """
    stripped = url.strip().rstrip("/")
    stripped = stripped.removesuffix("/v1")
    if not stripped.startswith(("http://", "https://")):
        raise exceptions.ConfigError(
            f"endpoint {url!r} is not an http:// or https:// URL"
        )
    return stripped


def parse_api_version(text: str) -> tuple[int, int] | None:
    """``(major, minor)`` for ``X.Y``; ``None`` for ``latest``.

    Raises:
        ConfigError: neither ``X.Y`` nor ``latest``.
    """
    value = text.strip().lower()
    if value == LATEST:
        return None
    major, dot, minor = value.partition(".")
    if not (dot and major.isdigit() and minor.isdigit()):
        raise exceptions.ConfigError(
            f"API version {text!r} is not of the form X.Y (or 'latest')"
        )
    return int(major), int(minor)


def _log_request(request: httpx.Request) -> None:
    """Log a request about to go out (DEBUG), secrets masked."""
    if not LOG.isEnabledFor(logging.DEBUG):
        return
    LOG.debug(
        "REQ: %s %s headers=%s body=%s",
        request.method,
        request.url,
        redact.headers(request.headers),
        redact.body(request.content),
    )


def _log_response(response: httpx.Response) -> None:
    """Log a response as it arrives (DEBUG), secrets masked."""
    if not LOG.isEnabledFor(logging.DEBUG):
        return
    response.read()
    LOG.debug(
        "RESP: %s %s -> %s headers=%s body=%s",
        response.request.method,
        response.request.url,
        response.status_code,
        redact.headers(response.headers),
        redact.body(response.content),
    )


def ssl_verify(verify: bool, cacert: str | None) -> bool | ssl.SSLContext:
    """What httpx's ``verify`` takes, from ``--insecure`` and ``--os-cacert``."""
    if not verify:
        return False
    if cacert:
        return ssl.create_default_context(cafile=cacert)
    return True


class HTTPClient:
    """A JSON client for one Mogan endpoint.

    Args:
        endpoint: the service root, with or without ``/v1``.
        api_version: ``X.Y`` or ``latest`` to send on every request, or
            ``None`` to let the server use its minimum.
        headers: extra headers on every request (``X-Auth-Token``, identity).
        auth: an ``httpx.Auth`` (HTTP Basic), if any.
        transport: an httpx transport; tests pass ``httpx.WSGITransport``.
        verify: TLS verification, as httpx takes it.
        timeout: seconds before a request gives up.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        api_version: str | None = None,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        transport: httpx.BaseTransport | None = None,
        verify: bool | ssl.SSLContext = True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """Prepare the client; nothing is sent until the first request."""
        self.endpoint = normalize_endpoint(endpoint)
        if api_version is not None:
            parse_api_version(api_version)
        self.api_version = api_version
        self._sends = {
            "basic": auth is not None,
            "keystone": any(k.lower() == "x-auth-token" for k in headers or {}),
        }
        self._client = httpx.Client(
            base_url=self.endpoint,
            headers={
                "Accept": "application/json",
                "User-Agent": f"mogan-cli/{__version__}",
                **(headers or {}),
            },
            auth=auth,
            transport=transport,
            verify=verify,
            timeout=timeout,
            event_hooks={"request": [_log_request], "response": [_log_response]},
        )

    def close(self) -> None:
        """Release the connection pool."""
        self._client.close()

    def version_for(self, min_version: str | None) -> str | None:
        """The version to send for a request that needs at least ``min_version``.

        Raises:
            CommandError: the user asked for an older version than needed.
        """
        if min_version is None:
            return self.api_version
        if self.api_version is None:
            return min_version
        asked = parse_api_version(self.api_version)
        needed = parse_api_version(min_version)
        if asked is not None and needed is not None and asked < needed:
            raise exceptions.CommandError(
                f"this needs API version {min_version} or later, "
                f"but {self.api_version} was asked for"
            )
        return self.api_version

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, str | int | None] | None = None,
        min_version: str | None = None,
    ) -> httpx.Response:
        """Send one request and return the successful response.

        Args:
            method: the HTTP method.
            path: the path below the endpoint, e.g. ``/v1/flavors``.
            json: the request body, if any.
            params: query parameters; ``None`` values are left out.
            min_version: the oldest microversion this request works with.

        Raises:
            ConnectionFailed: nothing answered.
            HttpError: the answer was an error status.
        """
        headers = {}
        version = self.version_for(min_version)
        if version is not None:
            headers[API_VERSION_HEADER] = f"{SERVICE_TYPE} {version}"
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = self._client.request(
                method, path, json=json, params=query, headers=headers
            )
        except httpx.TransportError as err:
            reason = str(err) or type(err).__name__
            raise exceptions.ConnectionFailed(
                f"Unable to connect to {self.endpoint}: {reason}"
            ) from err
        if response.is_error:
            raise exceptions.HttpError.from_response(
                response, hint=self._auth_hint(response)
            )
        return response

    def _auth_hint(self, response: httpx.Response) -> str | None:
        """What to pass, when the API answered 401 and said what it wants."""
        if response.status_code != UNAUTHORIZED:
            return None
        challenge = response.headers.get("WWW-Authenticate", "")
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme not in self._sends:
            return None
        return AUTH_HINTS[scheme, self._sends[scheme]]

    def get(
        self, path: str, params: Mapping[str, str | int | None] | None = None
    ) -> Any:
        """``GET`` and return the decoded JSON body."""
        return self.request("GET", path, params=params).json()

    def post(self, path: str, body: Any, min_version: str | None = None) -> Any:
        """``POST`` a JSON body; return the decoded answer (``None`` for 204)."""
        response = self.request("POST", path, json=body, min_version=min_version)
        return response.json() if response.content else None

    def patch(self, path: str, body: Any) -> Any:
        """``PATCH`` a JSON body and return the decoded answer."""
        return self.request("PATCH", path, json=body).json()

    def delete(
        self, path: str, params: Mapping[str, str | int | None] | None = None
    ) -> None:
        """``DELETE``; the answer has no body."""
        self.request("DELETE", path, params=params)
