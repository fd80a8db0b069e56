"""Sessions and the gate every request passes (auth, scripted HTTP faults, log).

sushy-tools knows HTTP Basic only. This adds the Redfish SessionService
(``POST /redfish/v1/SessionService/Sessions`` with ``UserName`` and
``Password`` gives ``X-Auth-Token`` and a ``Location``; ``DELETE`` ends the
session), which sushy's default ``SessionOrBasicAuth`` uses first.

``Gate`` replaces sushy-tools' ``RedfishAuthMiddleware`` (the emulator wraps
its app with whatever that name holds when an auth file is configured). In
order, per request: ``/mogan-test/`` control paths pass without
credentials; a scripted ``http`` fault answers at once; a valid
``X-Auth-Token`` passes, an unknown one gets 401; creating a session is
checked by its view; anything else needs HTTP Basic credentials (the parent
class checks them against the htpasswd file). Each request is logged with
its status and how it authenticated.
"""

import json
import secrets
from collections.abc import Callable, Iterable
from typing import Any

import flask
from sushy_tools import error
from sushy_tools.emulator import auth_basic
from sushy_tools.emulator import main as emulator_main

from . import redfish
from .state import STORE

SERVICE = "/redfish/v1/SessionService"
SESSIONS = f"{SERVICE}/Sessions"
CONTROL = "/mogan-test/"


def session_service() -> flask.Response:
    """The SessionService."""
    return redfish.respond(
        redfish.odata(
            SERVICE,
            "#SessionService.v1_1_8.SessionService",
            Id="SessionService",
            Name="Session Service",
            ServiceEnabled=True,
            SessionTimeout=1800,
            Status={"State": "Enabled", "Health": "OK"},
            Sessions=redfish.link(SESSIONS),
        )
    )


def _session_body(session_id: str, user: str) -> dict[str, Any]:
    return redfish.odata(
        f"{SESSIONS}/{session_id}",
        "#Session.v1_3_0.Session",
        Id=session_id,
        Name="User Session",
        UserName=user,
    )


def sessions() -> flask.Response:
    """GET the sessions; POST logs in (credentials checked here)."""
    if flask.request.method == "GET":
        with STORE.lock:
            members = [f"{SESSIONS}/{s['id']}" for s in STORE.sessions.values()]
        return redfish.respond(
            redfish.collection(SESSIONS, "Session", "Session Collection", members)
        )
    body = redfish.request_json()
    user, password = body.get("UserName"), body.get("Password")
    if not isinstance(user, str) or not isinstance(password, str):
        raise redfish.RedfishError(400, "PropertyMissing", "UserName/Password")
    auth_file = flask.current_app.config.get("SUSHY_EMULATOR_AUTH_FILE")
    if auth_file:
        auth_basic.authenticate(auth_file, user, password.encode())
    token = secrets.token_hex(16)
    with STORE.lock:
        STORE.session_counter += 1
        session_id = str(STORE.session_counter)
        STORE.sessions[token] = {"id": session_id, "user": user}
    return redfish.respond(
        _session_body(session_id, user),
        201,
        {"X-Auth-Token": token, "Location": f"{SESSIONS}/{session_id}"},
    )


def session(session_id: str) -> flask.Response:
    """GET a session; DELETE logs out."""
    with STORE.lock:
        for token, found in STORE.sessions.items():
            if found["id"] == session_id:
                if flask.request.method == "DELETE":
                    del STORE.sessions[token]
                    return redfish.respond(None, 204)
                return redfish.respond(_session_body(session_id, found["user"]))
    raise error.NotFound(f"no session {session_id}")


StartResponse = Callable[..., Any]


class Gate(emulator_main.RedfishAuthMiddleware):
    """Control paths, scripted HTTP faults, sessions, then HTTP Basic; a log."""

    def __call__(
        self, env: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """Handle one WSGI request."""
        path = env.get("PATH_INFO", "")
        method = env.get("REQUEST_METHOD", "GET")
        if path.startswith(CONTROL):
            return self.app(env, start_response)
        entry: dict[str, Any] = {"method": method, "path": path, "auth": "none"}

        def logged(status: str, headers: Any, *args: Any) -> Any:
            entry["status"] = int(status.split(maxsplit=1)[0])
            STORE.log(entry)
            return start_response(status, headers, *args)

        fault = STORE.take_fault("http", path=path, method=method)
        if fault is not None:
            return self._error(
                int(fault.get("status") or 503),
                fault.get("message") or "scripted failure",
                env,
                logged,
            )
        token = env.get("HTTP_X_AUTH_TOKEN")
        if token:
            with STORE.lock:
                known = token in STORE.sessions
            if not known:
                return self._error(401, "", env, logged, "NoValidSession")
            entry["auth"] = "session"
            return self.app(env, logged)
        if method == "POST" and path.rstrip("/") == SESSIONS:
            entry["auth"] = "login"
            return self.app(env, logged)
        if env.get("HTTP_AUTHORIZATION"):
            entry["auth"] = "basic"
        return super().__call__(env, logged)

    @staticmethod
    def _error(
        status: int,
        text: str,
        env: dict[str, Any],
        start_response: StartResponse,
        message_id: str = "GeneralError",
    ) -> Iterable[bytes]:
        err = redfish.RedfishError(status, message_id, text=text)
        body = json.dumps(err.body()).encode()
        start_response(
            f"{status} Scripted",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        del env
        return [body]


def install(app: flask.Flask) -> None:
    """Put the session views on the app; make ``Gate`` the auth middleware."""
    # NOTE: the emulator's configure() wraps the app in whatever class this
    # name holds (main() calls it after the plugin is installed).
    emulator_main.RedfishAuthMiddleware = Gate
    app.add_url_rule(SERVICE, "mogan_session_service", session_service)
    app.add_url_rule(SESSIONS, "mogan_sessions", sessions, methods=["GET", "POST"])
    app.add_url_rule(
        f"{SESSIONS}/<session_id>", "mogan_session", session, methods=["GET", "DELETE"]
    )
