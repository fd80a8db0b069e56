"""Workflow rows: creation by the API and the engine's take/advance/finish.

The API creates a workflow in the same transaction as the server it acts on.

Statuses: ``pending`` (due at ``next_run_at``), ``running`` (an engine holds
the lease), ``done``, ``failed``.
"""

import datetime
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from oslo_utils import uuidutils
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan.db import models

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


def create(
    session: orm.Session,
    *,
    kind: str,
    server_uuid: str | None,
    args: dict[str, Any],
    context: dict[str, Any] | None = None,
) -> models.Workflow:
    """Record a new workflow, due now; the caller commits and nudges an engine.

    ``context`` is the request that started the work (``RequestContext
    .to_dict``): the engine logs the workflow under its request id.
    """
    workflow = models.Workflow(
        uuid=uuidutils.generate_uuid(),
        kind=kind,
        server_uuid=server_uuid,
        status=PENDING,
        args=args,
        state={},
        context=context,
        request_id=(context or {}).get("request_id"),
    )
    session.add(workflow)
    session.flush()
    return workflow


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _due(now: datetime.datetime) -> sa.ColumnElement[bool]:
    """Due and free: pending, or running under a lease that ran out."""
    return sa.and_(
        models.Workflow.next_run_at <= now,
        sa.or_(
            models.Workflow.status == PENDING,
            sa.and_(
                models.Workflow.status == RUNNING,
                models.Workflow.lease_until < now,
            ),
        ),
    )


def due(session: orm.Session, limit: int, exclude: Sequence[str] = ()) -> list[str]:
    """Uuids of workflows an engine may take now, oldest due first."""
    now = _now()
    stmt = (
        sa.select(models.Workflow.uuid)
        .where(_due(now))
        .order_by(models.Workflow.next_run_at, models.Workflow.id)
        .limit(limit + len(exclude))
    )
    skip = set(exclude)
    return [uuid for uuid in session.scalars(stmt) if uuid not in skip][:limit]


def take(session: orm.Session, uuid: str, host: str, lease_seconds: float) -> bool:
    """Take the workflow for ``host`` if it is still due and free.

    The conditional UPDATE is the whole lock: of several engines racing for
    one workflow exactly one sees a row updated. Each take counts one more
    attempt of the current step.
    """
    now = _now()
    stmt = (
        sa.update(models.Workflow)
        .where(models.Workflow.uuid == uuid, _due(now))
        .values(
            status=RUNNING,
            owner=host,
            lease_until=now + datetime.timedelta(seconds=lease_seconds),
            attempts=models.Workflow.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(stmt)) == 1


def _rowcount(result: sa.Result[Any]) -> int:
    # NOTE: UPDATE results are CursorResults; the Result type hides rowcount.
    count: int = getattr(result, "rowcount", 0)
    return count


def get(session: orm.Session, uuid: str) -> models.Workflow | None:
    """The workflow, or None."""
    stmt = sa.select(models.Workflow).where(models.Workflow.uuid == uuid)
    return session.scalars(stmt).one_or_none()


def advance(
    session: orm.Session,
    uuid: str,
    host: str,
    *,
    lease_seconds: float,
    values: dict[str, Any],
    release_after: float | None = None,
) -> bool:
    """Record a step's outcome, if ``host`` still holds the workflow.

    Args:
        session: the caller's session.
        uuid: the workflow.
        host: the engine that ran the step.
        lease_seconds: renewal of the lease when the engine keeps going.
        values: columns to set (step, reverting, state, attempts, last_error).
        release_after: give the workflow up, due again in this many seconds;
            None keeps it running under a renewed lease.

    Returns:
        False when the lease was lost (another engine took the workflow).
    """
    now = _now()
    if release_after is None:
        extra: dict[str, Any] = {
            "lease_until": now + datetime.timedelta(seconds=lease_seconds)
        }
    else:
        extra = {
            "status": PENDING,
            "owner": None,
            "lease_until": None,
            "next_run_at": now + datetime.timedelta(seconds=release_after),
        }
    stmt = (
        sa.update(models.Workflow)
        .where(
            models.Workflow.uuid == uuid,
            models.Workflow.owner == host,
            models.Workflow.status == RUNNING,
        )
        .values(**values, **extra)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(stmt)) == 1


def finish(
    session: orm.Session, uuid: str, host: str, status: str, values: dict[str, Any]
) -> bool:
    """Mark the workflow ``done`` or ``failed`` if ``host`` still holds it."""
    stmt = (
        sa.update(models.Workflow)
        .where(
            models.Workflow.uuid == uuid,
            models.Workflow.owner == host,
            models.Workflow.status == RUNNING,
        )
        .values(
            status=status, owner=None, lease_until=None, finished_at=_now(), **values
        )
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(stmt)) == 1


def release_host(session: orm.Session, host: str) -> int:
    """Hand back every workflow ``host`` holds, due now (an engine restarting)."""
    stmt = (
        sa.update(models.Workflow)
        .where(models.Workflow.owner == host, models.Workflow.status == RUNNING)
        .values(status=PENDING, owner=None, lease_until=None, next_run_at=_now())
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(stmt))


def others_active(
    session: orm.Session, server_uuid: str, workflow_id: int, kinds_after: str
) -> list[str]:
    """Unfinished workflows on the server a new one must wait for.

    Every unfinished workflow of another kind counts, and workflows of kind
    ``kinds_after`` only when they are older (so two deletes never wait for
    each other).
    """
    stmt = sa.select(models.Workflow.uuid).where(
        models.Workflow.server_uuid == server_uuid,
        models.Workflow.id != workflow_id,
        models.Workflow.status.in_([PENDING, RUNNING]),
        sa.or_(
            models.Workflow.kind != kinds_after,
            models.Workflow.id < workflow_id,
        ),
    )
    return list(session.scalars(stmt))


def has_running(session: orm.Session, server_uuid: str) -> bool:
    """Whether an unfinished workflow acts on the server."""
    stmt = sa.select(sa.func.count()).where(
        models.Workflow.server_uuid == server_uuid,
        models.Workflow.status.in_([PENDING, RUNNING]),
    )
    return bool(session.scalar(stmt))


def busy_servers(session: orm.Session) -> set[str]:
    """Servers with an unfinished workflow."""
    stmt = sa.select(models.Workflow.server_uuid).where(
        models.Workflow.status.in_([PENDING, RUNNING]),
        models.Workflow.server_uuid.is_not(None),
    )
    return {uuid for uuid in session.scalars(stmt) if uuid is not None}


def purge(session: orm.Session, before: datetime.datetime, limit: int = 1000) -> int:
    """Delete up to ``limit`` workflows that finished before ``before``.

    Rows finished before migration 0006 have no ``finished_at``: their last
    update stands for it.

    Returns:
        How many rows were deleted.
    """
    finished = sa.or_(
        models.Workflow.finished_at < before,
        sa.and_(
            models.Workflow.finished_at.is_(None),
            models.Workflow.updated_at < before,
        ),
    )
    ids = list(
        session.scalars(
            sa.select(models.Workflow.id)
            .where(models.Workflow.status.in_([DONE, FAILED]), finished)
            .order_by(models.Workflow.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    stmt = (
        sa.delete(models.Workflow)
        .where(models.Workflow.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return _rowcount(session.execute(stmt))


def is_transient(err: BaseException) -> bool:
    """Whether a database error is a lock or deadlock worth retrying."""
    if not isinstance(err, sa_exc.OperationalError):
        return False
    text = str(err.orig).lower()
    return any(
        word in text for word in ("locked", "deadlock", "could not serialize", "busy")
    )
