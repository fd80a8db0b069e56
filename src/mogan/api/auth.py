"""Authentication middleware for the three ``[api] auth_strategy`` modes.

Each mode ends the same way: the WSGI environ carries ``X-User-Id``,
``X-Project-Id``, ``X-Roles`` and ``X-Identity-Status: Confirmed`` headers,
from which ``state.context_from_environ`` builds the caller's context.

- ``keystone``: keystonemiddleware's auth_token validates the token and sets
  the headers (stripping any the client sent).
- ``http_basic``: an htpasswd file with bcrypt hashes (as Ironic does); the
  client's identity headers are stripped and replaced with the user's
  configured project and roles.
- ``noauth``: the client's identity headers are trusted; a request without
  any of them acts as the configured default (admin) identity.

Public paths (version documents, the OpenAPI document) skip authentication.
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

LOG = logging.getLogger(__name__)

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

PUBLIC_PATHS = re.compile(r"^/(v1(/openapi\.json)?)?/?$")
IDENTITY_HEADERS = (
    "HTTP_X_USER_ID",
    "HTTP_X_USER_NAME",
    "HTTP_X_PROJECT_ID",
    "HTTP_X_PROJECT_NAME",
    "HTTP_X_TENANT_ID",
    "HTTP_X_ROLES",
    "HTTP_X_IDENTITY_STATUS",
)
# NOTE: Keystone implies reader from member and member from admin; the modes
# without Keystone apply the same implication so one policy serves all.
IMPLIED_ROLES = {"admin": {"member", "reader"}, "member": {"reader"}}


def expand_roles(roles: Iterable[str]) -> list[str]:
    """Roles plus the roles they imply."""
    out = {r.strip().lower() for r in roles if r.strip()}
    for role in list(out):
        out |= IMPLIED_ROLES.get(role, set())
    return sorted(out)


def _unauthorized(
    start_response: Callable[..., Any], message: str, basic: bool
) -> list[bytes]:
    fault = {"faultcode": "Client", "faultstring": message, "debuginfo": None}
    payload = json.dumps(
        {"error_message": json.dumps(fault), "code": "mogan.unauthenticated"}
    ).encode()
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

    def __init__(self, app: WSGIApp, authed: WSGIApp) -> None:
        """Route between the bare ``app`` and its ``authed`` wrapping."""
        self.app = app
        self.authed = authed

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        """Dispatch on the request path."""
        if PUBLIC_PATHS.match(environ.get("PATH_INFO", "") or "/"):
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
            for h in ("HTTP_X_USER_ID", "HTTP_X_PROJECT_ID", "HTTP_X_ROLES")
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
        ValueError: the file has an entry that is not a bcrypt hash.
    """
    users: dict[str, bytes] = {}
    for number, line in enumerate(pathlib.Path(path).read_text().splitlines(), 1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        user, sep, hashed = stripped.partition(":")
        if not sep or not hashed.startswith(("$2y$", "$2b$", "$2a$")):
            msg = f"{path}:{number}: only bcrypt entries (htpasswd -B) are supported"
            raise ValueError(msg)
        users[user] = hashed.encode()
    return users


class HTTPBasic:
    """Authenticate against an htpasswd file of bcrypt hashes."""

    def __init__(self, app: WSGIApp, conf: cfg.ConfigOpts) -> None:
        """Wrap ``app``; the file is read once, at start-up."""
        self.app = app
        self.conf = conf
        self.users = load_htpasswd(conf.api.http_basic_auth_user_file)

    def _check(self, header: str) -> str | None:
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        user, sep, password = decoded.partition(":")
        hashed = self.users.get(user)
        if not sep or hashed is None:
            return None
        # NOTE: htpasswd writes $2y$, which the bcrypt library reads as $2b$.
        if not bcrypt.checkpw(password.encode(), b"$2b$" + hashed[4:]):
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
    """``app`` behind the configured authentication, public paths exempt."""
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

        authed = auth_token.AuthProtocol(app, {"oslo_config_config": conf})
    return PublicPathSplitter(app, authed)
