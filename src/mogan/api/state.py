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
from mogan import exception, placement, policy
from mogan import image as image_backends
from mogan import network as network_backends
from mogan.db import session as db_session
from mogan.engine import rpcapi as engine_rpcapi
from mogan.placement import client as placement_lib
from mogan.services import quota as quota_svc
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


def context_from_environ(
    environ: dict[str, Any], public: bool
) -> mogan_context.RequestContext:
    """The caller's context from identity headers the auth middleware set.

    Raises:
        NotAuthenticated: a non-public route without a confirmed identity.
    """
    if not public and environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed":
        raise exception.NotAuthenticated
    ctx = mogan_context.RequestContext(
        user_id=environ.get("HTTP_X_USER_ID"),
        project_id=environ.get("HTTP_X_PROJECT_ID") or environ.get("HTTP_X_TENANT_ID"),
        roles=_roles(environ.get("HTTP_X_ROLES", "")),
        user_name=environ.get("HTTP_X_USER_NAME"),
        project_name=environ.get("HTTP_X_PROJECT_NAME"),
        auth_token=environ.get("HTTP_X_AUTH_TOKEN"),
        system_scope=environ.get("HTTP_OPENSTACK_SYSTEM_SCOPE"),
        request_id=environ.get("openstack.request_id")
        or mogan_context.new_request_id(),
        db=app_state().database,
    )
    ctx.admin = policy.check(app_state().enforcer, "context_is_admin", ctx)
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
        )
    backends: server_svc.Backends = extensions["mogan.server_backends"]
    return backends


def limit_source() -> quota_svc.LimitSource:
    """Where this app's quota limits come from, built once per app."""
    extensions = flask.current_app.extensions
    if "mogan.limit_source" not in extensions:
        extensions["mogan.limit_source"] = quota_svc.source(conf())
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
