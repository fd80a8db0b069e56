"""The WSGI application factory and its middleware pipeline.

Middleware, outermost first (each line says why it sits where it does):

1. ``HTTPProxyToWSGI`` — trust ``X-Forwarded-*`` from a TLS proxy so links
   and redirects use the public scheme and host.
2. ``RequestId`` — every response, even a 401, carries
   ``x-openstack-request-id``.
3. ``Healthcheck`` at ``/healthcheck`` — answers load balancers without
   authentication or a database round trip.
4. ``RequestLog`` (``mogan.api.requestlog``) — one line per request, after
   its response: inside ``RequestId`` so it has the id, outside
   authentication so 401s are logged with the identity auth set; below the
   healthcheck, whose polling every few seconds would drown the log.
5. authentication (``mogan.api.auth``) — public paths skip it.
6. the Flask app — microversion negotiation, routes, error mapping.
"""

from typing import Any

import flask
from oslo_config import cfg
from oslo_middleware import healthcheck, http_proxy_to_wsgi, request_id
from werkzeug import exceptions as wz_exc

from mogan import exception, policy
from mogan.api import auth, errors, microversion, requestlog, router, state
from mogan.api import routes as _routes  # noqa: F401 - declares every route
from mogan.db import session as db_session


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
        conf=conf, database=database, enforcer=policy.make_enforcer(conf)
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
    """Serve oslo.middleware's healthcheck at one path, the app elsewhere.

    The healthcheck middleware answers *every* request it sees (it expects a
    paste URL map in front), so dispatch to it by path here.
    """

    def __init__(self, path: str, app: Any, check: Any) -> None:
        self.path = path
        self.app = app
        self.check = check

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO", "").rstrip("/") == self.path:
            return self.check(environ, start_response)
        return self.app(environ, start_response)


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
    app: Any = create_flask_app(conf, database).wsgi_app
    app = auth.wrap(app, conf)
    app = requestlog.RequestLog(app)
    app = _HealthcheckAt("/healthcheck", app, healthcheck.Healthcheck(None, conf))
    app = request_id.RequestId(app)
    return http_proxy_to_wsgi.HTTPProxyToWSGI(app, conf)
