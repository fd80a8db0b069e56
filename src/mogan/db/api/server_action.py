"""Server action queries: record actions and events, trim them, read them back.

Callers own the transaction; nothing here commits. What owners may read
of a failure is decided here, where it is stored: ``details`` (and the
action's ``message``) hold ``public_error``, ``traceback`` the rest. Bounds are the
caller's (``[server_actions]``): ``create`` and ``add_event`` trim what is
past them in the same transaction, so no server's history grows without
end.

What must not live here: who may call (``services.server_action`` and the
routes).
"""

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import workflow as workflow_db

CREATE = "create"
DELETE = "delete"
REBUILD = "rebuild"
LOCK = "lock"
UNLOCK = "unlock"
MANAGE = "manage"
ATTACH_INTERFACE = "attach_interface"
DETACH_INTERFACE = "detach_interface"
# NOTE: one action per power target, named as the notifications name them.
POWER = {
    "on": "power_on",
    "off": "power_off",
    "soft_off": "soft_off",
    "reboot": "reboot",
    "soft_reboot": "soft_reboot",
}
SUCCESS = "Success"
ERROR = "Error"
MESSAGE_LENGTH = 255
TRACEBACK_LENGTH = 16000
DEFAULT_KEEP = 100
# NOTE: errors an owner may read as they are: their request was wrong or a
# resource of theirs is missing or full. Anything else (driver failures,
# bugs) says only what failed.
PUBLIC_CODES = frozenset({400, 403, 404, 409})


_OPEN_WORKFLOW = (workflow_db.PENDING, workflow_db.RUNNING)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def clip(text: str | None, length: int = MESSAGE_LENGTH) -> str | None:
    """``text`` cut to ``length`` characters (ending ``...`` when cut)."""
    if text is None or len(text) <= length:
        return text
    return text[: length - 3] + "..."


def public_error(error: dict[str, Any], what: str) -> str:
    """What an owner may read of a failure the runner described as ``error``.

    The message of a failure the caller can act on (code 400, 403, 404 or
    409: a missing image, a full network, no valid node); otherwise only
    that ``what`` failed.
    """
    code = int(error.get("code") or 500)
    if code in PUBLIC_CODES and error.get("message"):
        return str(clip(str(error["message"])))
    return f"{what} failed"


def admin_error(error: dict[str, Any]) -> str | None:
    """The whole failure for admins: message, then the traceback if any."""
    parts = [str(error.get("message") or "")]
    if error.get("detail"):
        parts.append(str(error["detail"]))
    text = "\n".join(p for p in parts if p)
    return clip(text, TRACEBACK_LENGTH) or None


def create(
    session: orm.Session, values: dict[str, Any], *, keep: int
) -> models.ServerAction:
    """Record an action; drop finished ones older than the newest ``keep``."""
    action = models.ServerAction(**values)
    session.add(action)
    session.flush()
    older = (
        sa.select(models.ServerAction.id, models.ServerAction.finished_at)
        .where(models.ServerAction.server_uuid == action.server_uuid)
        .order_by(models.ServerAction.id.desc())
        .offset(keep)
    )
    # NOTE: an unfinished action is never dropped: the engine still records on it.
    ids = [row.id for row in session.execute(older) if row.finished_at is not None]
    if ids:
        session.execute(
            sa.delete(models.ServerActionEvent).where(
                models.ServerActionEvent.action_id.in_(ids)
            )
        )
        session.execute(
            sa.delete(models.ServerAction).where(models.ServerAction.id.in_(ids))
        )
    return action


def get(session: orm.Session, server_uuid: str, request_id: str) -> models.ServerAction:
    """The server's action of ``request_id``, its events loaded.

    Raises:
        ServerActionNotFound: none recorded.
    """
    action = session.scalars(
        sa.select(models.ServerAction)
        .where(
            models.ServerAction.server_uuid == server_uuid,
            models.ServerAction.request_id == request_id,
        )
        .options(orm.selectinload(models.ServerAction.events))
    ).one_or_none()
    if action is None:
        raise exception.ServerActionNotFound(server=server_uuid, request_id=request_id)
    return action


def get_all(
    session: orm.Session,
    server_uuid: str,
    *,
    limit: int,
    marker: models.ServerAction | None = None,
) -> Sequence[models.ServerAction]:
    """A page of the server's actions, newest first."""
    stmt = sa.select(models.ServerAction).where(
        models.ServerAction.server_uuid == server_uuid
    )
    if marker is not None:
        stmt = stmt.where(models.ServerAction.id < marker.id)
    return session.scalars(
        stmt.order_by(models.ServerAction.id.desc()).limit(limit)
    ).all()


def owner(session: orm.Session, server_uuid: str) -> tuple[str, str | None] | None:
    """The project and user of the server's first recorded action, if any.

    A deleted server's actions are read against the project that owned it.
    """
    row = session.execute(
        sa.select(models.ServerAction.project_id, models.ServerAction.user_id)
        .where(models.ServerAction.server_uuid == server_uuid)
        .order_by(models.ServerAction.id)
        .limit(1)
    ).one_or_none()
    return (row[0], row[1]) if row is not None else None


def latest_open(
    session: orm.Session, server_uuid: str, actions: Iterable[str]
) -> models.ServerAction | None:
    """The server's newest unfinished action among ``actions``."""
    return session.scalars(
        sa.select(models.ServerAction)
        .where(
            models.ServerAction.server_uuid == server_uuid,
            models.ServerAction.action.in_(list(actions)),
            models.ServerAction.finished_at.is_(None),
        )
        .order_by(models.ServerAction.id.desc())
        .limit(1)
    ).one_or_none()


def latest(session: orm.Session, server_uuid: str) -> models.ServerAction | None:
    """The server's newest action, its events loaded."""
    return session.scalars(
        sa.select(models.ServerAction)
        .where(models.ServerAction.server_uuid == server_uuid)
        .options(orm.selectinload(models.ServerAction.events))
        .order_by(models.ServerAction.id.desc())
        .limit(1)
    ).one_or_none()


def finish(
    session: orm.Session,
    action: models.ServerAction,
    *,
    result: str,
    message: str | None = None,
    at: datetime.datetime | None = None,
) -> None:
    """Finish ``action`` with ``result`` and a message owners may read.

    A finished action keeps its first result.
    """
    del session  # NOTE: the row is the session's; flushed with it.
    if action.finished_at is not None:
        return
    action.finished_at = at or _now()
    action.result = result
    action.message = clip(message)


def open_event(
    session: orm.Session, action_id: int, event: str, attempt: int | None
) -> models.ServerActionEvent | None:
    """The action's newest unfinished ``event`` of ``attempt``."""
    return session.scalars(
        sa.select(models.ServerActionEvent)
        .where(
            models.ServerActionEvent.action_id == action_id,
            models.ServerActionEvent.event == event,
            models.ServerActionEvent.attempt.is_(None)
            if attempt is None
            else models.ServerActionEvent.attempt == attempt,
            models.ServerActionEvent.finished_at.is_(None),
        )
        .order_by(models.ServerActionEvent.id.desc())
        .limit(1)
    ).one_or_none()


def last_event(
    session: orm.Session, action_id: int, event: str
) -> models.ServerActionEvent | None:
    """The action's newest ``event``, finished or not."""
    return session.scalars(
        sa.select(models.ServerActionEvent)
        .where(
            models.ServerActionEvent.action_id == action_id,
            models.ServerActionEvent.event == event,
        )
        .order_by(models.ServerActionEvent.id.desc())
        .limit(1)
    ).one_or_none()


def add_event(
    session: orm.Session, values: dict[str, Any], *, keep: int
) -> models.ServerActionEvent:
    """Record an event; past ``keep``, drop the oldest but the first."""
    event = models.ServerActionEvent(**values)
    session.add(event)
    session.flush()
    ids = session.scalars(
        sa.select(models.ServerActionEvent.id)
        .where(models.ServerActionEvent.action_id == event.action_id)
        .order_by(models.ServerActionEvent.id)
    ).all()
    if len(ids) > keep:
        # NOTE: the first event says how the action began; the rest are
        # kept newest first.
        drop = ids[1 : len(ids) - keep + 1]
        session.execute(
            sa.delete(models.ServerActionEvent).where(
                models.ServerActionEvent.id.in_(drop)
            )
        )
    return event


def node_name(session: orm.Session, node_uuid: str | None) -> str | None:
    """The name of node ``node_uuid`` (its uuid when Mogan has no row)."""
    if not node_uuid:
        return None
    name = session.scalars(
        sa.select(models.Node.name).where(models.Node.uuid == node_uuid)
    ).one_or_none()
    return name or node_uuid


def has_open_work(session: orm.Session, server_uuid: str, kinds: Iterable[str]) -> bool:
    """Whether a workflow of ``kinds`` on the server is still to finish."""
    found = session.scalars(
        sa.select(models.Workflow.id)
        .where(
            models.Workflow.server_uuid == server_uuid,
            models.Workflow.kind.in_(list(kinds)),
            models.Workflow.status.in_(_OPEN_WORKFLOW),
        )
        .limit(1)
    ).first()
    return found is not None


def begin_event(
    session: orm.Session,
    action: models.ServerAction,
    event: str,
    *,
    at: datetime.datetime,
    attempt: int | None = None,
    max_attempts: int | None = None,
    node: str | None = None,
    keep: int,
) -> models.ServerActionEvent:
    """The action's running ``event`` (of ``attempt``), recorded if new."""
    row = open_event(session, action.id, event, attempt)
    if row is None:
        row = add_event(
            session,
            {
                "action_id": action.id,
                "event": event,
                "attempt": attempt,
                "max_attempts": max_attempts,
                "node": node,
                "started_at": at,
            },
            keep=keep,
        )
    elif node and not row.node:
        row.node = node
    return row


def end_event(
    session: orm.Session,
    action: models.ServerAction,
    event: str,
    *,
    result: str,
    at: datetime.datetime,
    started_at: datetime.datetime | None = None,
    attempt: int | None = None,
    max_attempts: int | None = None,
    node: str | None = None,
    details: str | None = None,
    traceback: str | None = None,
    keep: int,
) -> models.ServerActionEvent:
    """Finish the action's running ``event`` (recording it first if new)."""
    row = begin_event(
        session,
        action,
        event,
        at=started_at or at,
        attempt=attempt,
        max_attempts=max_attempts,
        node=node,
        keep=keep,
    )
    row.finished_at = at
    row.result = result
    row.details = clip(details)
    row.traceback = clip(traceback, TRACEBACK_LENGTH)
    return row
