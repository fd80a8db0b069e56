"""The WSGI application factory and its middleware pipeline.

Middleware, outermost first (each line says why it sits where it does):

1. ``HTTPProxyToWSGI`` — trust ``X-Forwarded-*`` from a TLS proxy so links
   and redirects use the public scheme and host.
2. ``RequestId`` — every response, even a 401, carries
   ``x-openstack-request-id``.
3. ``Healthcheck`` at ``/healthcheck`` — answers load balancers without
   authentication; not ready (503) until an engine has loaded the nodes,
   which costs a database read until it is true, and none after.
4. ``RequestLog`` (``mogan.api.requestlog``) — one line per request, after
   its response: inside ``RequestId`` so it has the id, outside
   authentication so 401s are logged with the identity auth set; below the
   healthcheck, whose polling every few seconds would drown the log.
5. authentication (``mogan.api.auth``) — public paths skip it.
6. the Flask app — microversion negotiation, routes, error mapping.
"""

import json
from typing import Any

import flask
from oslo_config import cfg
from oslo_middleware import healthcheck, http_proxy_to_wsgi, request_id
from werkzeug import exceptions as wz_exc
from werkzeug import wrappers as wz_wrappers

from mogan import exception, policy
from mogan.api import auth, errors, microversion, requestlog, router, state
from mogan.api import routes as _routes  # noqa: F401 - declares every route
from mogan.db import session as db_session
from mogan.services import readiness as readiness_svc


def _negotiate_version() -> None:
    flask.g.microversion = microversion.negotiate(dict(flask.request.headers))


def _add_version_headers(resp: flask.Response) -> flask.Response:
    version = flask.g.get("microversion", microversion.MIN_VERSION)
    resp.headers[microversion.HEADER] = microversion.header_value(version)
    resp.headers.add("Vary", microversion.HEADER)
    return resp


def create_flask_app(
    conf: cfg.ConfigOpts, database: db_session.Database
) -> flask.Flask:
    """The bare Flask app (no middleware), for tests that need Flask itself."""
    app = flask.Flask("mogan.api")
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config["MOGAN_TRACEBACKS"] = conf.debug_tracebacks_in_api
    app.config["MAX_CONTENT_LENGTH"] = conf.api.max_request_body_size
    app.extensions["mogan"] = state.AppState(
        conf=conf,
        database=database,
        enforcer=policy.make_enforcer(conf),
        readiness=readiness_svc.Readiness(database),
    )
    app.url_map.strict_slashes = False
    app.before_request(_negotiate_version)
    app.after_request(_add_version_headers)
    app.register_error_handler(exception.MoganError, errors.handle_mogan_error)
    app.register_error_handler(wz_exc.HTTPException, errors.handle_http_exception)
    app.register_error_handler(Exception, errors.handle_unexpected)
    router.register(app)
    return app


class _HealthcheckAt:
    """Serve the healthcheck at one path, the app elsewhere.

    Not ready (503, ``Retry-After``) until an engine has loaded the nodes,
    so a load balancer sends no creates that could only fail; then
    oslo.middleware's healthcheck answers (``[healthcheck]`` options, e.g.
    ``disable_by_file``). That middleware answers *every* request it sees
    (it expects a paste URL map in front), so dispatch to it by path here.
    """

    def __init__(
        self, path: str, app: Any, check: Any, readiness: readiness_svc.Readiness
    ) -> None:
        self.path = path
        self.app = app
        self.check = check
        self.readiness = readiness

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").rstrip("/") != self.path:
            return self.app(environ, start_response)
        why_not = self.readiness.why_not()
        if why_not is None:
            return self.check(environ, start_response)
        request = wz_wrappers.Request(environ)
        if request.accept_mimetypes.best_match(["text/plain", "application/json"]) == (
            "application/json"
        ):
            body = json.dumps({"ready": False, "reasons": [f"NOT READY: {why_not}"]})
            mimetype = "application/json"
        else:
            body, mimetype = f"NOT READY: {why_not}", "text/plain"
        response = wz_wrappers.Response(
            "" if request.method == "HEAD" else body, status=503, mimetype=mimetype
        )
        response.headers["Retry-After"] = str(readiness_svc.RETRY_AFTER)
        return response(environ, start_response)


def create_app(
    conf: cfg.ConfigOpts, database: db_session.Database | None = None
) -> Any:
    """The full WSGI application for ``conf``.

    Args:
        conf: parsed configuration.
        database: an open database; by default one is opened from
            ``[database] connection`` (or SQLite in ``state_path``).

    Returns:
        A WSGI callable.
    """
    if database is None:
        database = db_session.Database.from_conf(conf)
    flask_app = create_flask_app(conf, database)
    app: Any = auth.wrap(flask_app.wsgi_app, conf)
    app = requestlog.RequestLog(app)
    app = _HealthcheckAt(
        "/healthcheck",
        app,
        healthcheck.Healthcheck(None, conf),
        flask_app.extensions["mogan"].readiness,
    )
    app = request_id.RequestId(app)
    return http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
