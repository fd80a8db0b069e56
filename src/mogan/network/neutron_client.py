"""Neutron's REST API over keystoneauth: endpoint, identities, errors.

keystoneauth reads ``[neutron]`` (session, auth, adapter options): Mogan's
service user, and the endpoint from the catalog's service type ``network``
(or ``endpoint_override``). A call goes either as that service user or
with a caller's token (``token=``), so Neutron applies its own visibility
rules to what the caller may see and use; the endpoint is the same. A
caller's token travels with the service user's as ``X-Service-Token``
(keystoneauth's ``ServiceTokenAuthWrapper``), so Neutron's
keystonemiddleware knows a service acts for the caller and accepts the
caller's token even if it expired meanwhile.

``Response`` is what came back: the status and the decoded body, with
Neutron's error message. A transport failure or a 5xx raises
``NetworkServiceError`` (the API answers 503); any other status is the
caller's to interpret.

What must not live here: what a port should look like (``neutron``).
"""

import dataclasses
import logging
import threading
from typing import Any

from keystoneauth1 import adapter as ks_adapter
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import service_token, token_endpoint
from oslo_config import cfg

from mogan import exception

LOG = logging.getLogger(__name__)

GROUP = "neutron"
SERVICE_TYPE = "network"
DEFAULT_TIMEOUT = 30.0
SERVER_ERROR = 500
UNAUTHORIZED = 401


@dataclasses.dataclass(frozen=True)
class Response:
    """A Neutron answer: status, decoded body, Neutron's error text if any."""

    status: int
    body: dict[str, Any]

    @property
    def ok(self) -> bool:
        """Whether Neutron did what was asked (2xx)."""
        return 200 <= self.status < 300  # noqa: PLR2004 - the 2xx range

    @property
    def error(self) -> str:
        """Neutron's message (``NeutronError.message``) or the body."""
        err = self.body.get("NeutronError")
        if isinstance(err, dict):
            return str(err.get("message") or err.get("type") or self.status)[:500]
        return str(self.body or f"HTTP {self.status}")[:500]

    @property
    def error_type(self) -> str:
        """Neutron's error class name (``IpAddressAlreadyAllocated`` ...)."""
        err = self.body.get("NeutronError")
        return str(err.get("type") or "") if isinstance(err, dict) else ""


class NeutronClient:
    """Requests to Neutron as Mogan's service user or with a caller's token."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Read ``[neutron]`` on first use (nothing is contacted before)."""
        self._conf = conf
        self._adapter: ks_adapter.Adapter | None = None
        self._lock = threading.Lock()

    def adapter(self) -> ks_adapter.Adapter:
        """The service user's adapter on the ``network`` service (built once)."""
        with self._lock:
            if self._adapter is None:
                auth = ks_loading.load_auth_from_conf_options(self._conf, GROUP)
                session = ks_loading.load_session_from_conf_options(
                    self._conf, GROUP, auth=auth
                )
                self._adapter = ks_loading.load_adapter_from_conf_options(
                    self._conf,
                    GROUP,
                    session=session,
                    auth=auth,
                    service_type=SERVICE_TYPE,
                )
            return self._adapter

    def for_user(self, token: str) -> tuple[ks_plugin.BaseAuthPlugin, str]:
        """The auth of a request for the holder of ``token``, and the endpoint.

        The caller's token, plus the service user's as ``X-Service-Token``
        when ``[neutron]`` has a service user.

        Raises:
            NetworkServiceError: no endpoint (catalog or override).
        """
        adapter = self.adapter()
        try:
            endpoint = adapter.get_endpoint()
        except ks_exc.ClientException as err:
            raise exception.NetworkServiceError(reason=f"no endpoint: {err}") from err
        if not endpoint:
            raise exception.NetworkServiceError(
                reason="no network endpoint: set [neutron] endpoint_override "
                "or register the network service in the catalog"
            )
        user = token_endpoint.Token(endpoint, token)
        if adapter.auth is None:
            return user, endpoint
        return service_token.ServiceTokenAuthWrapper(user, adapter.auth), endpoint

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """``method /v2.0/<path>``: as the service user, or with ``token``.

        ``headers`` are sent as given (``If-Match: revision_number=<n>``).

        Raises:
            NetworkServiceError: Neutron cannot be found or reached, or it
                failed (5xx, or refused the service user's credentials).
        """
        adapter = self.adapter()
        kwargs: dict[str, Any] = {"raise_exc": False}
        if body is not None:
            kwargs["json"] = body
        if headers:
            kwargs["headers"] = dict(headers)
        url = "/v2.0/" + path.lstrip("/")
        if adapter.session.timeout is None:
            kwargs["timeout"] = DEFAULT_TIMEOUT
        try:
            if token is not None:
                # NOTE: the caller's token instead of the service user's
                # (with it as X-Service-Token); the service user's catalog
                # still gives the endpoint.
                kwargs["auth"], kwargs["endpoint_override"] = self.for_user(token)
                # NOTE: a 401 must not make keystoneauth drop and renew the
                # service user's token (the wrapper's invalidate does both).
                kwargs["allow_reauth"] = False
            resp = adapter.request(url, method, **kwargs)
        except ks_exc.ClientException as err:
            raise exception.NetworkServiceError(
                reason=f"{method} {url}: {err}"
            ) from err
        try:
            decoded = resp.json() if resp.content else {}
        except ValueError:
            decoded = {"text": resp.text[:500]}
        result = Response(
            resp.status_code, decoded if isinstance(decoded, dict) else {}
        )
        # NOTE: a 401 is never the caller's fault: Mogan validated their
        # token, and Mogan's service token lets an expired one through; it
        # is the service user refused (wrong password, role), as a 5xx is
        # Neutron failing.
        if result.status >= SERVER_ERROR or result.status == UNAUTHORIZED:
            raise exception.NetworkServiceError(
                reason=f"{method} {url}: {result.status} {result.error}"
            )
        if not result.ok:
            LOG.debug("Neutron %s %s: %s %s", method, url, result.status, result.error)
        return result
