"""Authentication middleware for the three ``[api] auth_strategy`` modes.

Each mode ends the same way: the WSGI environ carries ``X-User-Id``,
``X-Project-Id``, ``X-Roles`` and ``X-Identity-Status: Confirmed`` headers,
from which ``state.context_from_environ`` builds the caller's context.

- ``keystone``: keystonemiddleware's auth_token validates the token and sets
  the headers (stripping any the client sent). A service token
  (``X-Service-Token``) beside it counts only from a holder of the
  ``service`` role (``service_token_roles_required`` defaults to true).
- ``http_basic``: an htpasswd file with bcrypt hashes (as Ironic does); the
  client's identity headers are stripped and replaced with the user's
  configured project and roles.
- ``noauth``: the client's identity headers are trusted, the scope ones
  too (``OpenStack-System-Scope: all``, ``X-Domain-Id``); a request without
  any of them acts as the configured default (admin) identity. One without
  ``X-Project-Id`` has no project (``state.context_from_environ`` gives a
  caller with no scope at all no role).

Public paths (the routes declared with ``policy=None`` and their unprefixed
aliases) skip authentication in every mode, and the identity headers a client
sent to them are dropped. Authorization is not done here: routes call
``state.authorize``.
"""

import base64
import binascii
import json
import logging
import pathlib
import re
from collections.abc import Callable, Iterable
from typing import Any

import bcrypt
from oslo_config import cfg

from mogan import exception
from mogan.api import errors, router

LOG = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# NOTE: every header that states who the caller is. keystonemiddleware strips
# its own set; the other modes strip these so a client cannot assert them.
IDENTITY_HEADERS = (
    "HTTP_X_USER_ID",
    "HTTP_X_USER_NAME",
    "HTTP_X_USER_DOMAIN_ID",
    "HTTP_X_USER_DOMAIN_NAME",
    "HTTP_X_PROJECT_ID",
    "HTTP_X_PROJECT_NAME",
    "HTTP_X_PROJECT_DOMAIN_ID",
    "HTTP_X_PROJECT_DOMAIN_NAME",
    "HTTP_X_DOMAIN_ID",
    "HTTP_X_DOMAIN_NAME",
    "HTTP_X_TENANT_ID",
    "HTTP_X_TENANT_NAME",
    "HTTP_X_ROLES",
    "HTTP_X_SERVICE_ROLES",
    "HTTP_X_IDENTITY_STATUS",
    "HTTP_X_SERVICE_IDENTITY_STATUS",
    "HTTP_OPENSTACK_SYSTEM_SCOPE",
    "HTTP_X_IS_ADMIN_PROJECT",
)
# NOTE: Keystone implies reader from member and member from admin; the modes
# without Keystone apply the same implication so one policy serves all.
IMPLIED_ROLES = {"admin": {"member", "reader"}, "member": {"reader"}}
# NOTE: "$2y$" is what ``htpasswd -B`` writes; 22 salt + 31 hash characters.
BCRYPT_HASH = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")
# NOTE: bcrypt only ever uses the first 72 bytes of a password (Apache's
# htpasswd included); bcrypt>=5 raises on longer input instead of truncating.
BCRYPT_MAX_PASSWORD = 72


def expand_roles(roles: Iterable[str]) -> list[str]:
    """Roles plus the roles they imply, lower-cased and sorted."""
    out = {r.strip().lower() for r in roles if r.strip()}
    for role in list(out):
        out |= IMPLIED_ROLES.get(role, set())
    return sorted(out)


def public_path_pattern(routes: Iterable[router.Route]) -> re.Pattern[str]:
    """A regex matching the paths of public ``routes`` and their aliases.

    ``router.register`` also serves ``/v1/x`` as ``/x``, so both are public;
    a trailing slash is allowed as Flask allows it.
    """
    alternatives = set()
    for r in routes:
        if not r.public:
            continue
        paths = [r.path]
        if r.path.startswith("/v1/"):
            paths.append(r.path.removeprefix("/v1"))
        for path in paths:
            escaped = re.escape(path.rstrip("/"))
            alternatives.add(re.sub(r"\\\{\w+\\\}", "[^/]+", escaped))
    return re.compile("^(?:" + "|".join(sorted(alternatives)) + ")/?$")


def _unauthorized(
    start_response: Callable[..., Any], message: str, basic: bool
) -> list[bytes]:
    body = errors.body(401, message, exception.NotAuthenticated.code)
    payload = json.dumps(body).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(payload))),
    ]
    if basic:
        headers.append(("WWW-Authenticate", 'Basic realm="mogan"'))
    start_response("401 Unauthorized", headers)
    return [payload]


class PublicPathSplitter:
    """Send public paths straight to the app and the rest through auth."""

    def __init__(self, app: WSGIApp, authed: WSGIApp, public: re.Pattern[str]) -> None:
        """Route paths matching ``public`` to ``app``, the rest to ``authed``."""
        self.app = app
        self.authed = authed
        self.public = public

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Dispatch on the request path."""
        if self.public.match(environ.get("PATH_INFO", "") or "/"):
            for header in IDENTITY_HEADERS:
                environ.pop(header, None)
            return self.app(environ, start_response)
        return self.authed(environ, start_response)


class NoAuth:
    """Trust identity headers; default to the configured identity without them."""

    def __init__(self, app: WSGIApp, conf: cfg.ConfigOpts) -> None:
        """Wrap ``app``; defaults come from ``[api] noauth_default_*``."""
        self.app = app
        self.conf = conf

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Fill in the identity headers."""
        api = self.conf.api
        sent = any(
            environ.get(h)
            for h in (
                "HTTP_X_USER_ID",
                "HTTP_X_PROJECT_ID",
                "HTTP_X_TENANT_ID",
                "HTTP_X_ROLES",
            )
        )
        if not sent:
            environ["HTTP_X_USER_ID"] = api.noauth_default_user_id
            environ["HTTP_X_PROJECT_ID"] = api.noauth_default_project_id
            environ["HTTP_X_ROLES"] = ",".join(api.noauth_default_roles)
        environ["HTTP_X_ROLES"] = ",".join(
            expand_roles(environ.get("HTTP_X_ROLES", "").split(","))
        )
        environ["HTTP_X_IDENTITY_STATUS"] = "Confirmed"
        return self.app(environ, start_response)


def load_htpasswd(path: str) -> dict[str, bytes]:
    """``user -> bcrypt hash`` from an htpasswd file; other hash kinds are refused.

    Raises:
        ValueError: the file cannot be read, or has an entry that is not a
            well-formed bcrypt hash.
    """
    try:
        text = pathlib.Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        msg = f"cannot read the http_basic_auth_user_file {path}: {err}"
        raise ValueError(msg) from err
    users: dict[str, bytes] = {}
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        user, sep, hashed = stripped.partition(":")
        if not sep or not user or not BCRYPT_HASH.match(hashed):
            msg = (
                f"{path}:{number}: only bcrypt entries (htpasswd -B) are "
                f"supported; fix or remove the entry for {user!r}"
            )
            raise ValueError(msg)
        # NOTE: the bcrypt library reads "$2b$"; "$2y$" and "$2a$" hashes
        # from htpasswd are the same algorithm.
        users[user] = b"$2b$" + hashed[4:].encode()
    return users


class HTTPBasic:
    """Authenticate against an htpasswd file of bcrypt hashes."""

    def __init__(self, app: WSGIApp, conf: cfg.ConfigOpts) -> None:
        """Wrap ``app``; the file is read once, at start-up.

        Raises:
            ValueError: the htpasswd file is unreadable or not all bcrypt.
        """
        self.app = app
        self.conf = conf
        self.users = load_htpasswd(conf.api.http_basic_auth_user_file)
        if not self.users:
            LOG.warning(
                "%s has no users: every http_basic request will be refused",
                conf.api.http_basic_auth_user_file,
            )
        # NOTE: unknown users still cost one bcrypt check, so response time
        # does not tell which user names exist.
        self._decoy = next(iter(self.users.values()), None)

    def _check(self, header: str) -> str | None:
        scheme, _, encoded = header.strip().partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        if not sep:
            return None
        hashed = self.users.get(user)
        secret = password.encode()[:BCRYPT_MAX_PASSWORD]
        if hashed is None:
            if self._decoy is not None:
                bcrypt.checkpw(secret, self._decoy)
            return None
        if not bcrypt.checkpw(secret, hashed):
            return None
        return user

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Check the credentials and set the user's identity headers."""
        for header in IDENTITY_HEADERS:
            environ.pop(header, None)
        user = self._check(environ.get("HTTP_AUTHORIZATION", ""))
        if user is None:
            return _unauthorized(
                start_response, "Invalid or missing HTTP Basic credentials.", basic=True
            )
        api = self.conf.api
        roles = api.http_basic_user_roles.get(user)
        role_list = roles.split("+") if roles else api.http_basic_default_roles
        environ["HTTP_X_USER_ID"] = user
        environ["HTTP_X_USER_NAME"] = user
        environ["HTTP_X_PROJECT_ID"] = api.http_basic_user_projects.get(
            user, api.http_basic_default_project
        )
        environ["HTTP_X_ROLES"] = ",".join(expand_roles(role_list))
        environ["HTTP_X_IDENTITY_STATUS"] = "Confirmed"
        return self.app(environ, start_response)


def wrap(app: WSGIApp, conf: cfg.ConfigOpts) -> WSGIApp:
    """``app`` behind the configured authentication, public routes exempt.

    Call after every route is declared (``mogan.api.routes`` imported): the
    public paths are read from ``router.ROUTES`` here.

    Raises:
        ValueError: the http_basic user file is unreadable or not all bcrypt.
    """
    strategy = conf.api.auth_strategy
    authed: WSGIApp
    if strategy == "noauth":
        authed = NoAuth(app, conf)
    elif strategy == "http_basic":
        authed = HTTPBasic(app, conf)
    else:
        # NOTE: imported only when used; it reads its own [keystone_authtoken]
        # options from the ConfigOpts we hand it.
        from keystonemiddleware import auth_token  # noqa: PLC0415

        # NOTE: a service token (X-Service-Token) counts only from a holder
        # of [keystone_authtoken] service_token_roles (``service``), also
        # with a keystonemiddleware whose default still accepts any token
        # there; a mogan.conf that says false keeps false.
        for group, opts in auth_token.list_opts():
            conf.register_opts(opts, group=group)
        conf.set_default(
            "service_token_roles_required", True, group="keystone_authtoken"
        )
        authed = auth_token.AuthProtocol(app, {"oslo_config_config": conf})
    return PublicPathSplitter(app, authed, public_path_pattern(router.ROUTES))
