"""Server actions and their events (Nova's instance actions, for bare metal).

An action is one request on one server (create, delete, a power change,
rebuild, lock, unlock, manage), keyed by the API request id; its events
are the steps the engine ran for it. Neither table references ``servers``:
actions outlive the server (its deletion is an action too) and the
workflow rows, which are purged.

What must not live here: queries (``mogan.db.api.server_action``).
"""

import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.models.base import Base, identifier, utcnow


class ServerAction(Base):
    """One request acting on one server, from start to result."""

    __tablename__ = "server_actions"
    __table_args__ = (
        sa.UniqueConstraint("server_uuid", "request_id"),
        sa.Index("ix_server_actions_server_uuid_id", "server_uuid", "id"),
    )

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    server_uuid: orm.Mapped[str] = orm.mapped_column(identifier(36))
    action: orm.Mapped[str] = orm.mapped_column(sa.String(32))
    request_id: orm.Mapped[str] = orm.mapped_column(identifier(64))
    project_id: orm.Mapped[str] = orm.mapped_column(identifier(255))
    user_id: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    started_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    # NOTE: "Success" or "Error" once finished (Nova's words), else NULL.
    result: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    # NOTE: shown to the server's owner: never node names or driver output.
    message: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))

    # NOTE: attempt by attempt, then by start: a schedule's event is written
    # when its step ends, after the build it started may have recorded its
    # first steps; and a failed build's ``reschedule`` is written as that
    # build finishes, when the next attempt may already have begun.
    events: orm.Mapped[list["ServerActionEvent"]] = orm.relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by=lambda: (
            sa.func.coalesce(ServerActionEvent.attempt, 0),
            ServerActionEvent.started_at,
            ServerActionEvent.id,
        ),
    )


class ServerActionEvent(Base):
    """One step of an action (schedule, deploy attempt 2 ...)."""

    __tablename__ = "server_action_events"

    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    action_id: orm.Mapped[int] = orm.mapped_column(
        sa.ForeignKey("server_actions.id", ondelete="CASCADE"), index=True
    )
    event: orm.Mapped[str] = orm.mapped_column(sa.String(64))
    attempt: orm.Mapped[int | None] = orm.mapped_column()
    max_attempts: orm.Mapped[int | None] = orm.mapped_column()
    started_at: orm.Mapped[datetime.datetime] = orm.mapped_column(default=utcnow)
    finished_at: orm.Mapped[datetime.datetime | None] = orm.mapped_column()
    result: orm.Mapped[str | None] = orm.mapped_column(sa.String(16))
    # NOTE: admins only: the node, and the driver's error or a traceback.
    node: orm.Mapped[str | None] = orm.mapped_column(identifier(255))
    traceback: orm.Mapped[str | None] = orm.mapped_column(sa.Text)
    # NOTE: shown to the server's owner (Nova's ``details``).
    details: orm.Mapped[str | None] = orm.mapped_column(sa.String(255))
