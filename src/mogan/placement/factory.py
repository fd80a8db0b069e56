"""Build the process's Placement client from ``[placement]``: embedded or remote.

Embedded (``[placement] embedded = true``): the process-wide Placement app of
``embedded.shared_app`` reached in-process through httpx's WSGI transport,
with noauth2's admin token. Remote: keystoneauth reads the ``[placement]``
session, auth and adapter options and supplies the endpoint (service type
``placement``) and a token on every request; httpx does the HTTP.

``auth_type = none`` (with ``endpoint_override``) means a Placement served
with noauth2, which wants the token ``admin``; ``auth_type = admin_token``
(with ``endpoint`` and ``token``) sends the given token as is. What must not
live here: Placement calls themselves (see ``client``).
"""

import ssl
from collections.abc import Generator
from typing import Any

import httpx
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import noauth as ks_noauth
from oslo_config import cfg

from mogan.placement import client, embedded

GROUP = "placement"
SERVICE_TYPE = "placement"
EMBEDDED_BASE_URL = "http://placement"
# NOTE: placement's noauth2 middleware treats this token as the admin.
NOAUTH_ADMIN_TOKEN = "admin"  # noqa: S105 - a well-known development token
DEFAULT_TIMEOUT = 60.0
UNAUTHORIZED = 401


def get_client(conf: cfg.ConfigOpts) -> client.PlacementClient:
    """A Placement client as ``[placement]`` describes.

    Args:
        conf: Mogan's configuration.

    Returns:
        A client on the embedded Placement or on the remote endpoint.

    Raises:
        PlacementError: no Placement endpoint could be found (none
            configured and none in the catalogue, or Keystone refused the
            credentials or could not be reached).
    """
    if conf.placement.embedded:
        app = embedded.shared_app(conf.state_path, conf.placement.embedded_connection)
        return client.PlacementClient(
            httpx.Client(
                transport=httpx.WSGITransport(app=app),
                base_url=EMBEDDED_BASE_URL,
                headers={"X-Auth-Token": NOAUTH_ADMIN_TOKEN},
            )
        )
    return client.PlacementClient(_remote_http(conf))


class _KeystoneAuth(httpx.Auth):
    """Adds keystoneauth's current token to every request; refreshes on 401."""

    def __init__(self, session: Any, auth: Any) -> None:
        self._session = session
        self._auth = auth

    def _headers(self) -> dict[str, str]:
        if self._auth is None or isinstance(self._auth, ks_noauth.NoAuth):
            return {"X-Auth-Token": NOAUTH_ADMIN_TOKEN}
        try:
            headers: dict[str, str] = self._session.get_auth_headers(self._auth) or {}
        except ks_exc.ClientException as err:
            # NOTE: Keystone refused the service user or is unreachable:
            # callers handle PlacementError, not keystoneauth's exceptions.
            raise client.PlacementError(
                message=f"cannot authenticate for Placement: {err}"
            ) from err
        return headers

    def auth_flow(
        self, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the token; on 401 drop the cached token and try once more."""
        request.headers.update(self._headers())
        response = yield request
        if response.status_code == UNAUTHORIZED and self._auth is not None:
            self._auth.invalidate()
            request.headers.update(self._headers())
            yield request


def _ssl_context(session: Any) -> ssl.SSLContext | bool:
    """The ``verify`` value for httpx, from the keystoneauth session's TLS options."""
    if session.verify is False:
        return False
    cafile = session.verify if isinstance(session.verify, str) else None
    context = ssl.create_default_context(cafile=cafile)
    if session.cert:
        cert = session.cert
        certfile, keyfile = cert if isinstance(cert, tuple) else (cert, None)
        context.load_cert_chain(certfile, keyfile)
    return context


def _remote_http(conf: cfg.ConfigOpts) -> httpx.Client:
    """An httpx client on the endpoint keystoneauth finds for Placement."""
    auth = ks_loading.load_auth_from_conf_options(conf, GROUP)
    session = ks_loading.load_session_from_conf_options(conf, GROUP, auth=auth)
    adapter = ks_loading.load_adapter_from_conf_options(
        conf, GROUP, session=session, auth=auth, service_type=SERVICE_TYPE
    )
    try:
        endpoint = adapter.get_endpoint()
    except ks_exc.EndpointNotFound as err:
        # NOTE: the catalog lacks the service for the interfaces and region
        # asked for (keystoneauth raises here rather than returning None).
        raise client.PlacementError(
            message=(
                f"no Placement endpoint: {err}; set [placement] "
                "endpoint_override, or valid_interfaces and region_name to "
                "where the catalogue lists service type placement"
            )
        ) from err
    except ks_exc.ClientException as err:
        raise client.PlacementError(
            message=f"cannot find Placement's endpoint in the catalogue: {err}"
        ) from err
    if not endpoint:
        raise client.PlacementError(
            message=(
                "no Placement endpoint: set [placement] endpoint_override or "
                "credentials whose catalogue lists service type placement"
            )
        )
    return httpx.Client(
        base_url=str(endpoint).rstrip("/"),
        auth=_KeystoneAuth(session, auth),
        verify=_ssl_context(session),
        timeout=session.timeout or DEFAULT_TIMEOUT,
    )
