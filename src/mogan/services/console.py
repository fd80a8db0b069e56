"""Server consoles: where the serial console is (v1 5.8), what it printed (1.4).

The driver knows the console, and only the engine holds the driver, so the
URL comes from a synchronous engine call. The URL is the driver's own (the
fake driver's ``fake://`` URL, Ironic's shellinabox or socat endpoint): Mogan
runs no console proxy, so it must be reachable from where users are.

What must not live here: who may ask (the route's policy check) and driver
calls (the engine's).
"""

from urllib import parse

from mogan import context as mogan_context
from mogan import exception, states
from mogan.db import models
from mogan.services import engine_calls

PROTOCOL = "serial"
CONSOLE_STATES = frozenset({states.ACTIVE, states.STOPPED})
# NOTE: drivers report a serial console as such; its type shows in its URL
# (Ironic's shellinabox console is a web page, its socat one a TCP port).
TYPE_BY_SCHEME = {"http": "shellinabox", "https": "shellinabox", "tcp": "socat"}


def get_console(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    server: models.Server,
    kind: str | None,
) -> dict[str, str]:
    """The serial console of ``server``: ``protocol``, ``type`` and ``url``.

    Args:
        ctx: the caller (already authorized for the server).
        engine: the engine's RPC client.
        heartbeat_interval: the engines' heartbeat interval (liveness).
        server: the server, as loaded for the policy check.
        kind: the console type wanted (``shellinabox``, ``socat``), or None
            (or ``serial``) for whichever serial console the node has.

    The driver is asked for the node's serial console; its type is told by
    its URL (``http(s)``: shellinabox, ``tcp``: socat, else the driver's).

    Raises:
        InvalidState: the server is neither active nor stopped.
        ConsoleUnavailable: its node has no such console (says why), or it
            has no node.
        EngineUnavailable: no engine is running or none answered.
        DriverCannot: the engine's driver has no consoles.
        DriverFailed: the driver failed.
    """
    if server.status not in CONSOLE_STATES:
        raise exception.InvalidState(action="get a console", state=server.status)
    wanted = kind or PROTOCOL
    if server.node_uuid is None:
        raise exception.ConsoleUnavailable(
            server=exception.labelled(server.name, server.uuid),
            kind=wanted,
            reason="the server has no node",
        )
    label = exception.labelled(server.name, server.uuid)
    action = f"get the console of server {label}"
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    try:
        console = engine_calls.call_engine(
            action,
            engine.get_console,
            engine_calls.rpc_context(ctx),
            server.uuid,
            server.node_uuid,
            PROTOCOL,
        )
    except exception.ConsoleUnavailable as err:
        # NOTE: the engine knows the server by uuid only; name it here.
        raise exception.ConsoleUnavailable(
            server=label,
            kind=err.kwargs.get("kind", wanted),
            reason=err.kwargs.get("reason", err.message),
        ) from err
    url = console["url"]
    actual = TYPE_BY_SCHEME.get(parse.urlsplit(url).scheme, console["type"])
    if wanted not in {PROTOCOL, actual}:
        raise exception.ConsoleUnavailable(
            server=label,
            kind=wanted,
            reason=f"its node's serial console is of type {actual}",
        )
    return {"protocol": PROTOCOL, "type": actual, "url": url}


def get_console_log(
    ctx: mogan_context.RequestContext,
    engine: engine_calls.Engine,
    heartbeat_interval: float,
    server: models.Server,
    length: int | None,
) -> str:
    """The last ``length`` lines (all the driver keeps when None) of its output.

    Any server with a node has output, a building one too (its deploy).

    Raises:
        ConsoleUnavailable: the server has no node, or the driver does not
            know it.
        EngineUnavailable: no engine is running or none answered.
        DriverCannot: the engine's driver keeps no console output.
        DriverFailed: the driver failed.
    """
    label = exception.labelled(server.name, server.uuid)
    if server.node_uuid is None:
        raise exception.ConsoleUnavailable(
            server=label, kind="log", reason="the server has no node"
        )
    action = f"read the console log of server {label}"
    engine_calls.require_engine(ctx, heartbeat_interval, action)
    try:
        return engine_calls.call_engine(
            action,
            engine.get_console_log,
            engine_calls.rpc_context(ctx),
            server.uuid,
            server.node_uuid,
            length,
        )
    except exception.ConsoleUnavailable as err:
        raise exception.ConsoleUnavailable(
            server=label, kind="log", reason=err.kwargs.get("reason", err.message)
        ) from err
