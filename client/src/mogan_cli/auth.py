"""Turn resolved settings into an authenticated :class:`~mogan_cli.http.HTTPClient`.

- ``none``: no credentials; ``--os-user-id``, ``--os-project-id`` and
  ``--os-roles`` become ``X-User-Id``, ``X-Project-Id`` and ``X-Roles``
  (a Mogan with ``auth_strategy = noauth`` trusts them).
- ``http_basic``: username and password as HTTP Basic.
- ``admin_token``: an existing token sent as ``X-Auth-Token`` to the endpoint.
- anything else: a keystoneauth plugin of that name gets a token, and the
  endpoint comes from the catalog (service type ``baremetal-compute``, then
  ``baremetal_compute``) unless ``--os-endpoint`` overrides it. Requests
  then go through httpx with ``X-Auth-Token``.
"""

import httpx
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import session as ks_session

from mogan_cli import config, exceptions, http

SERVICE_TYPES = ("baremetal-compute", "baremetal_compute")


def _require_endpoint(settings: config.Settings) -> str:
    if not settings.endpoint:
        raise exceptions.ConfigError(
            f"auth type {settings.auth_type!r} needs --os-endpoint (or OS_ENDPOINT)"
        )
    return settings.endpoint


def _identity_headers(settings: config.Settings) -> dict[str, str]:
    claimed = {
        "X-User-Id": settings.auth.get("user_id"),
        "X-Project-Id": settings.auth.get("project_id"),
        "X-Roles": settings.roles,
    }
    return {header: value for header, value in claimed.items() if value}


def _basic(settings: config.Settings) -> httpx.BasicAuth:
    username = settings.auth.get("username")
    password = settings.auth.get("password")
    if not (username and password):
        missing = " and ".join(
            flag
            for flag, value in (
                ("--os-username (OS_USERNAME)", username),
                ("--os-password (OS_PASSWORD)", password),
            )
            if not value
        )
        raise exceptions.ConfigError(f"auth type 'http_basic' needs {missing}")
    return httpx.BasicAuth(username, password)


def _keystone_session(settings: config.Settings) -> ks_session.Session:
    try:
        loader: ks_loading.BaseLoader[ks_plugin.BaseAuthPlugin] = (
            ks_loading.get_plugin_loader(settings.auth_type)
        )
    except ks_exc.NoMatchingPlugin as err:
        raise exceptions.ConfigError(
            f"unknown auth type {settings.auth_type!r}; use none, http_basic, "
            "admin_token or a keystoneauth plugin such as password or token"
        ) from err
    names = {opt.dest for opt in loader.get_options()}
    values = {k: v for k, v in settings.auth.items() if k in names}
    try:
        plugin = loader.load_from_options(**values)
    except ks_exc.MissingRequiredOptions as err:
        missing = ", ".join(f"--os-{o.name}" for o in err.options)
        raise exceptions.ConfigError(
            f"auth type {settings.auth_type!r} needs {missing}"
        ) from err
    verify: bool | str = settings.verify
    if settings.verify and settings.cacert:
        verify = settings.cacert
    return ks_session.Session(auth=plugin, verify=verify)


def _catalog_endpoint(
    session: ks_session.Session, settings: config.Settings, service_type: str
) -> str | None:
    try:
        return session.get_endpoint(
            service_type=service_type,
            interface=settings.interface,
            region_name=settings.region_name,
        )
    except ks_exc.EndpointNotFound:
        return None


def keystone_token(settings: config.Settings) -> tuple[str, str]:
    """A Keystone token and the Mogan endpoint (the override or the catalog's).

    Raises:
        ConfigError: the auth type is unknown or lacks options.
        ConnectionFailed: Keystone did not answer.
        AuthError: Keystone refused the credentials, or lists no Mogan.
    """
    session = _keystone_session(settings)
    auth_url = settings.auth.get("auth_url", "Keystone")
    try:
        token = session.get_token()
        endpoint = settings.endpoint
        for service_type in SERVICE_TYPES:
            endpoint = endpoint or _catalog_endpoint(session, settings, service_type)
    except ks_exc.ConnectFailure as err:
        raise exceptions.ConnectionFailed(
            f"Unable to connect to {auth_url}: {err}"
        ) from err
    except ks_exc.ClientException as err:
        raise exceptions.AuthError(f"Authentication failed: {err}") from err
    if not token:
        raise exceptions.AuthError("Authentication failed: Keystone issued no token")
    if not endpoint:
        raise exceptions.AuthError(
            "the Keystone catalog has no baremetal-compute endpoint"
            f" (interface {settings.interface}"
            + (f", region {settings.region_name}" if settings.region_name else "")
            + "); pass --os-endpoint"
        )
    return token, endpoint


def make_http_client(
    settings: config.Settings, transport: httpx.BaseTransport | None = None
) -> http.HTTPClient:
    """An HTTP client authenticated as ``settings`` say.

    Args:
        settings: the resolved endpoint and credentials.
        transport: an httpx transport for the API (tests: the WSGI app).
            Keystone itself is always reached over the network.

    Raises:
        ConfigError: the settings do not add up.
        ConnectionFailed: Keystone did not answer.
        AuthError: Keystone refused the credentials.
    """
    headers: dict[str, str] = {}
    basic: httpx.BasicAuth | None = None
    if settings.auth_type == config.NOAUTH:
        endpoint = _require_endpoint(settings)
        headers = _identity_headers(settings)
    elif settings.auth_type == config.HTTP_BASIC:
        endpoint = _require_endpoint(settings)
        basic = _basic(settings)
    elif settings.auth_type == config.ADMIN_TOKEN:
        endpoint = _require_endpoint(settings)
        token = settings.auth.get("token")
        if not token:
            raise exceptions.ConfigError("auth type 'admin_token' needs --os-token")
        headers = {"X-Auth-Token": token}
    else:
        token, endpoint = keystone_token(settings)
        headers = {"X-Auth-Token": token}
    return http.HTTPClient(
        endpoint,
        api_version=settings.api_version,
        headers=headers,
        auth=basic,
        transport=transport,
        verify=http.ssl_verify(settings.verify, settings.cacert),
    )
