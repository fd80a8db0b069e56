"""Per-app state and per-request helpers used by routes.

``AppState`` holds what ``create_app`` was given (configuration, database,
policy enforcer). Routes reach it, the caller's context and the link builder
through the functions here rather than through Flask globals directly.
"""

import dataclasses
import logging
import time
from typing import Any

import flask
from keystoneauth1 import exceptions as ks_exceptions
from oslo_config import cfg
from oslo_policy import policy as oslo_policy

from mogan import context as mogan_context
from mogan import crypto, exception, placement, policy
from mogan import image as image_backends
from mogan import network as network_backends
from mogan.db import session as db_session
from mogan.engine import rpcapi as engine_rpcapi
from mogan.placement import client as placement_lib
from mogan.services import quota as quota_svc
from mogan.services import quota_source
from mogan.services import readiness as readiness_svc
from mogan.services import server as server_svc

LOG = logging.getLogger(__name__)
PLACEMENT_RETRY = 60.0


@dataclasses.dataclass
class AppState:
    """What one API app serves with."""

    conf: cfg.ConfigOpts
    database: db_session.Database
    enforcer: oslo_policy.Enforcer
    readiness: readiness_svc.Readiness


def app_state() -> AppState:
    """The state of the app serving the current request."""
    state: AppState = flask.current_app.extensions["mogan"]
    return state


def conf() -> cfg.ConfigOpts:
    """The configuration of the app serving the current request."""
    return app_state().conf


def readiness() -> readiness_svc.Readiness:
    """Whether the nodes are loaded (the app's cached answer)."""
    return app_state().readiness


def _roles(raw: str) -> list[str]:
    return sorted({r.strip().lower() for r in raw.split(",") if r.strip()})


def _scope(environ: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """The caller's one scope, as ``(system_scope, project_id, domain_id)``.

    At most one is set: the system, a project or a domain (or none).
    keystonemiddleware sets one from the token (the ``OpenStack-System-Scope``,
    ``X-Project-Id`` or ``X-Domain-Id`` header). A noauth client may send
    several; the system scope wins, then the project.
    """
    # NOTE: keystonemiddleware sets the header's environ key to None for a
    # token that is not system-scoped.
    system = (environ.get("HTTP_OPENSTACK_SYSTEM_SCOPE") or "").strip().lower()
    project = environ.get("HTTP_X_PROJECT_ID") or environ.get("HTTP_X_TENANT_ID")
    domain = environ.get("HTTP_X_DOMAIN_ID")
    if system == "all":
        return "all", None, None
    if project:
        return None, project, None
    return None, None, domain or None


def context_from_environ(
    environ: dict[str, Any], public: bool
) -> mogan_context.RequestContext:
    """The caller's context from identity headers the auth middleware set.

    Raises:
        NotAuthenticated: a non-public route without a confirmed identity.
    """
    if not public and environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
        raise exception.NotAuthenticated
    system_scope, project_id, domain_id = _scope(environ)
    roles = _roles(environ.get("HTTP_X_ROLES", ""))
    if not (system_scope or project_id or domain_id):
        # NOTE: a role is held on a scope; an identity with none (a noauth
        # request without X-Project-Id, as a Keystone unscoped token) holds
        # no role, so it can never pass as a cloud admin or see every project.
        roles = []
    ctx = mogan_context.RequestContext(
        user_id=environ.get("HTTP_X_USER_ID"),
        roles=roles,
        user_name=environ.get("HTTP_X_USER_NAME"),
        project_name=environ.get("HTTP_X_PROJECT_NAME"),
        # NOTE: only a token keystonemiddleware validated is the caller's;
        # under noauth or http_basic an X-Auth-Token is whatever the client
        # sent, and must never reach Glance or Neutron (with Mogan's service
        # token beside it, a peer would accept even an expired one).
        auth_token=environ.get("HTTP_X_AUTH_TOKEN")
        if conf().api.auth_strategy == "keystone"
        else None,
        request_id=environ.get("openstack.request_id")
        or mogan_context.new_request_id(),
        db=app_state().database,
        system_scope=system_scope,
        project_id=project_id,
        domain_id=domain_id,
    )
    enforcer = app_state().enforcer
    ctx.admin = policy.check(enforcer, "context_is_admin", ctx)
    ctx.read_all = policy.check(enforcer, "context_is_cloud_reader", ctx)
    return ctx


def authorize(
    ctx: mogan_context.RequestContext, rule: str, target: dict[str, Any] | None = None
) -> None:
    """Check ``rule`` for the caller and record that the route did so.

    Raises:
        Forbidden: the rule does not pass.
    """
    flask.g.authorized_rule = rule
    policy.authorize(app_state().enforcer, rule, ctx, target)


def allowed(
    ctx: mogan_context.RequestContext, rule: str, target: dict[str, Any] | None = None
) -> bool:
    """Whether ``rule`` passes for the caller (a field it may see), no refusal."""
    return policy.check(app_state().enforcer, rule, ctx, target)


def page_limit(requested: int | None) -> int:
    """The page size: what the client asked for, capped by ``[api] max_limit``."""
    max_limit: int = conf().api.max_limit
    return max_limit if requested is None else min(requested, max_limit)


def server_backends() -> "server_svc.Backends":
    """The engine client and image/network backends, built once per app."""
    extensions = flask.current_app.extensions
    if "mogan.server_backends" not in extensions:
        extensions["mogan.server_backends"] = server_svc.Backends(
            engine=engine_rpcapi.EngineAPI(conf()),
            images=image_backends.get_backend(conf()),
            networks=network_backends.get_backend(conf()),
            limits=limit_source(),
            bounds=server_svc.RequestBounds.from_conf(conf()),
            sealer=crypto.Sealer.from_conf(conf()),
        )
    backends: server_svc.Backends = extensions["mogan.server_backends"]
    return backends


def limit_source() -> quota_svc.LimitSource:
    """Where this app's quota limits come from, built once per app."""
    extensions = flask.current_app.extensions
    if "mogan.limit_source" not in extensions:
        extensions["mogan.limit_source"] = quota_source.source(conf())
    source: quota_svc.LimitSource = extensions["mogan.limit_source"]
    return source


def placement_client() -> placement_lib.PlacementClient | None:
    """The Placement client of this app, or None while Placement is unreachable.

    Built on first use: the API needs Placement only to mirror aggregate
    membership, which is best effort (the engine's node sync applies it
    too). A failure is logged and retried after ``PLACEMENT_RETRY`` seconds.
    """
    extensions = flask.current_app.extensions
    client: placement_lib.PlacementClient | None = extensions.get("mogan.placement")
    if client is not None:
        return client
    if time.monotonic() < extensions.get("mogan.placement_retry_at", 0.0):
        return None
    try:
        client = placement.get_client(conf())
    except (placement_lib.PlacementError, ks_exceptions.ClientException) as err:
        LOG.warning("Placement is not reachable from the API: %s", err)
        extensions["mogan.placement_retry_at"] = time.monotonic() + PLACEMENT_RETRY
        return None
    extensions["mogan.placement"] = client
    return client


def base_url() -> str:
    """The API's public base URL, without a trailing slash."""
    endpoint = conf().api.public_endpoint
    base = endpoint or flask.request.host_url
    return str(base).rstrip("/")


def links(collection: str, ident: str) -> list[dict[str, str]]:
    """``self`` and ``bookmark`` links of one resource (v1 shape)."""
    base = base_url()
    return [
        {"href": f"{base}/v1/{collection}/{ident}", "rel": "self"},
        {"href": f"{base}/{collection}/{ident}", "rel": "bookmark"},
    ]


def set_location(url: str) -> None:
    """Send ``Location: url`` with the response."""
    flask.g.location = url
