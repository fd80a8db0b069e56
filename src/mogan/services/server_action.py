"""Server actions: what was done to a server, by whom, and how it went.

Every action on a server records one action row, keyed by the API request
id, in the transaction that starts the action (create, delete, power,
rebuild, lock, unlock, manage, attach_interface, detach_interface). The
engine adds one event per step it runs (``mogan.engine.action_events``) and
finishes the action with the work's result. Owners read their servers'
actions without node names, driver errors or tracebacks
(``db.api.server_action.public_error`` decides what they see); admins read
everything.

What must not live here: who may call (the routes' policy checks) and
anything the engine does for an action.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import server as server_db
from mogan.db.api import server_action as action_db

# NOTE: the names callers use, kept where the rows are written.
CREATE = action_db.CREATE
DELETE = action_db.DELETE
REBUILD = action_db.REBUILD
LOCK = action_db.LOCK
UNLOCK = action_db.UNLOCK
MANAGE = action_db.MANAGE
ATTACH_INTERFACE = action_db.ATTACH_INTERFACE
DETACH_INTERFACE = action_db.DETACH_INTERFACE
POWER = action_db.POWER
DEFAULT_KEEP = action_db.DEFAULT_KEEP


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def start(
    session: orm.Session,
    ctx: mogan_context.RequestContext,
    server: models.Server,
    action: str,
    *,
    keep: int = action_db.DEFAULT_KEEP,
) -> models.ServerAction:
    """Record that ``ctx``'s request starts ``action`` on ``server``.

    Args:
        session: the transaction that starts the action.
        ctx: the caller; its request id keys the action.
        server: the server acted on.
        action: ``create``, ``delete``, ``power_on`` ...
        keep: actions kept per server (``[server_actions]``).
    """
    return action_db.create(
        session,
        {
            "server_uuid": server.uuid,
            "action": action,
            "request_id": ctx.request_id,
            "project_id": server.project_id,
            "user_id": ctx.user_id,
            "started_at": _now(),
        },
        keep=keep,
    )


def record(
    session: orm.Session,
    ctx: mogan_context.RequestContext,
    server: models.Server,
    action: str,
    *,
    keep: int = action_db.DEFAULT_KEEP,
) -> None:
    """Record an action done at once (lock, unlock, manage): finished, Success."""
    row = start(session, ctx, server, action, keep=keep)
    action_db.finish(session, row, result=action_db.SUCCESS)


# ---------------------------------------------------------------- reading


def owner(ctx: mogan_context.RequestContext, server_uuid: str) -> dict[str, Any]:
    """The policy target of the server's actions: its project and user.

    A deleted server's actions stay readable: its owner is the project
    its actions were recorded under.

    Raises:
        ServerNotFound: no such server and no action recorded for one.
    """
    with ctx.database.transaction(readonly=True) as session:
        try:
            server = server_db.get(session, server_uuid)
        except exception.ServerNotFound:
            found = action_db.owner(session, server_uuid)
            if found is None:
                raise
            return {"project_id": found[0], "user_id": found[1]}
        return {"project_id": server.project_id, "user_id": server.user_id}


def get_all(
    ctx: mogan_context.RequestContext,
    server_uuid: str,
    *,
    limit: int,
    marker: str | None,
) -> Sequence[models.ServerAction]:
    """A page of the server's actions, newest first.

    Raises:
        ServerActionNotFound: ``marker`` names no action of the server.
    """
    with ctx.database.transaction(readonly=True) as session:
        marker_row = action_db.get(session, server_uuid, marker) if marker else None
        return action_db.get_all(session, server_uuid, limit=limit, marker=marker_row)


def get(
    ctx: mogan_context.RequestContext, server_uuid: str, request_id: str
) -> models.ServerAction:
    """The server's action of ``request_id`` with its events.

    Raises:
        ServerActionNotFound: none recorded.
    """
    with ctx.database.transaction(readonly=True) as session:
        return action_db.get(session, server_uuid, request_id)
