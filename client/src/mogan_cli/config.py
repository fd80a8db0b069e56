"""Where the endpoint and credentials come from: options, environment, clouds.yaml.

Precedence is command-line option > environment variable > clouds.yaml.
The shell folds the first two together (each option defaults to its
``OS_*`` variable) and hands the result to :func:`resolve`, which fills the
gaps from the ``--os-cloud`` entry of the first clouds.yaml found and
decides the auth type:

- an explicit ``--os-auth-type`` (or the cloud's ``auth_type``) wins;
- otherwise an auth URL means Keystone (``password``, or ``token`` when only
  a token is given);
- otherwise an endpoint with a token means ``admin_token`` (send the token
  as it is), an endpoint with a user name or password means ``http_basic``,
  and an endpoint alone means ``none``.
"""

import dataclasses
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from mogan_cli import exceptions

CLOUDS_YAML_PATHS = (
    pathlib.Path("clouds.yaml"),
    pathlib.Path("~/.config/openstack/clouds.yaml"),
    pathlib.Path("/etc/openstack/clouds.yaml"),
)
NOAUTH = "none"
HTTP_BASIC = "http_basic"
ADMIN_TOKEN = "admin_token"  # noqa: S105 - an auth type's name, not a secret
AUTH_TYPE_ALIASES = {"noauth": NOAUTH, "token_endpoint": ADMIN_TOKEN}
# NOTE: the Keystone options the shell has flags for; keystoneauth option
# names (``dest``), so they pass straight to a plugin loader.
AUTH_OPTIONS = (
    "auth_url",
    "username",
    "password",
    "user_id",
    "project_name",
    "project_id",
    "user_domain_name",
    "project_domain_name",
    "token",
)
# NOTE: OS_* variables that are not plugin options, whatever a plugin calls its own.
NOT_AUTH_VARIABLES = frozenset(
    {
        "cloud",
        "endpoint",
        "auth_type",
        "region_name",
        "interface",
        "cacert",
        "insecure",
        "roles",
        "client_config_file",
        "baremetal_compute_api_version",
    }
)
# NOTE: openstacksdk's key for a per-service endpoint comes first.
CLOUD_ENDPOINT_KEYS = ("baremetal_compute_endpoint_override", "endpoint")


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything needed to reach and authenticate with the API.

    Attributes:
        endpoint: the service root, or ``None`` to take it from Keystone.
        auth_type: ``none``, ``http_basic``, ``admin_token``, or a
            keystoneauth plugin name (``password``, ``token``,
            ``v3applicationcredential`` ...).
        auth: auth option values by keystoneauth name (``auth_url``,
            ``username`` ...), including any a plugin may want.
        region_name: the catalog region, for Keystone.
        interface: the catalog interface, for Keystone.
        api_version: the microversion to send, if any.
        roles: comma-separated roles to claim in ``none`` mode.
        verify: whether to verify TLS certificates.
        cacert: a CA bundle to verify them with.
    """

    endpoint: str | None
    auth_type: str
    auth: dict[str, str]
    region_name: str | None = None
    interface: str = "public"
    api_version: str | None = None
    roles: str | None = None
    verify: bool = True
    cacert: str | None = None


def clouds_yaml_paths(environ: Mapping[str, str]) -> list[pathlib.Path]:
    """Where clouds.yaml is looked for, first match wins (as openstacksdk does)."""
    paths = [p.expanduser() for p in CLOUDS_YAML_PATHS]
    if environ.get("OS_CLIENT_CONFIG_FILE"):
        paths.insert(0, pathlib.Path(environ["OS_CLIENT_CONFIG_FILE"]).expanduser())
    return paths


def load_cloud(name: str, paths: Sequence[pathlib.Path]) -> dict[str, Any]:
    """The ``clouds: <name>:`` entry of the first clouds.yaml in ``paths``.

    Raises:
        ConfigError: no file exists, it does not parse, or it lacks ``name``.
    """
    for path in paths:
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as err:
            raise exceptions.ConfigError(f"cannot read {path}: {err}") from err
        clouds = data.get("clouds") if isinstance(data, dict) else None
        cloud = clouds.get(name) if isinstance(clouds, dict) else None
        if not isinstance(cloud, dict):
            raise exceptions.ConfigError(f"cloud {name!r} is not defined in {path}")
        return cloud
    searched = ", ".join(str(p) for p in paths)
    raise exceptions.ConfigError(
        f"cloud {name!r} requested but no clouds.yaml found (searched {searched})"
    )


def _text(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _auth_type(
    explicit: str | None, auth: Mapping[str, str], endpoint: str | None
) -> str:
    if explicit:
        return AUTH_TYPE_ALIASES.get(explicit.lower(), explicit.lower())
    if auth.get("auth_url"):
        return "token" if auth.get("token") and not auth.get("password") else "password"
    if endpoint and auth.get("token"):
        return ADMIN_TOKEN
    # NOTE: a user name or password means someone expects them to be sent;
    # without Keystone that is HTTP Basic (which then names what is missing).
    if endpoint and (auth.get("username") or auth.get("password")):
        return HTTP_BASIC
    if endpoint:
        return NOAUTH
    raise exceptions.ConfigError(
        "no endpoint given: pass --os-endpoint (or set OS_ENDPOINT) for a "
        "Mogan without Keystone, --os-auth-url (OS_AUTH_URL) for Keystone, "
        "or --os-cloud (OS_CLOUD) for an entry in clouds.yaml"
    )


def resolve(
    given: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> Settings:
    """Merge options (already over the environment) with clouds.yaml.

    Args:
        given: option values by name: ``endpoint``, ``auth_type``, ``cloud``,
            ``region_name``, ``interface``, ``api_version``, ``roles``,
            ``cacert``, ``insecure`` and the names in ``AUTH_OPTIONS``;
            ``None`` means not given.
        environ: the environment, for ``OS_CLIENT_CONFIG_FILE`` and for
            plugin options the shell has no flag for (``OS_<OPTION>``, e.g.
            ``OS_APPLICATION_CREDENTIAL_SECRET``). Defaults to ``os.environ``.

    Raises:
        ConfigError: the cloud is missing, or nothing says where the API is.
    """
    env = os.environ if environ is None else environ
    cloud: dict[str, Any] = {}
    if given.get("cloud"):
        cloud = load_cloud(str(given["cloud"]), clouds_yaml_paths(env))
    cloud_auth = cloud.get("auth") if isinstance(cloud.get("auth"), dict) else {}

    auth: dict[str, str] = {}
    for key, value in (cloud_auth or {}).items():
        if (text := _text(value)) is not None:
            auth[str(key)] = text
    for key, value in env.items():
        name = key.removeprefix("OS_").lower()
        extra = name not in AUTH_OPTIONS and name not in NOT_AUTH_VARIABLES
        if key.startswith("OS_") and extra and value:
            auth[name] = value
    for name in AUTH_OPTIONS:
        if (text := _text(given.get(name))) is not None:
            auth[name] = text

    endpoint = _text(given.get("endpoint"))
    for key in CLOUD_ENDPOINT_KEYS:
        endpoint = endpoint or _text(cloud.get(key))
    auth_type = _auth_type(
        _text(given.get("auth_type")) or _text(cloud.get("auth_type")), auth, endpoint
    )
    verify = not given.get("insecure") and cloud.get("verify", True) is not False
    return Settings(
        endpoint=endpoint,
        auth_type=auth_type,
        auth=auth,
        region_name=_text(given.get("region_name")) or _text(cloud.get("region_name")),
        interface=_text(given.get("interface"))
        or _text(cloud.get("interface"))
        or "public",
        api_version=_text(given.get("api_version"))
        or _text(cloud.get("baremetal_compute_api_version")),
        roles=_text(given.get("roles"))
        or _text(cloud.get("roles"))
        or auth.get("roles"),
        verify=verify,
        cacert=_text(given.get("cacert")) or _text(cloud.get("cacert")),
    )
