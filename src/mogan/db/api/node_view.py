"""Node queries for the API: find by name or uuid, filtered and paged lists.

Read-only: node rows are written by the engine's node
sync (``mogan.db.api.node``) and their zone columns by the aggregate
queries (``mogan.db.api.aggregate.recompute_zones``).
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import pagination

FILTERS = ("availability_zone", "consumable", "maintenance")


def find(session: orm.Session, ident: str, *, field: str = "node") -> models.Node:
    """The node whose uuid, or else whose name, is ``ident``.

    Args:
        session: an open session.
        ident: a node uuid or name.
        field: the request field ``ident`` came from, for error messages.

    Raises:
        NodeNotFound: no node has that uuid or name.
        InvalidParameter: several nodes share the name.
    """
    for column in (models.Node.uuid, models.Node.name):
        stmt = sa.select(models.Node).where(column == ident).order_by(models.Node.id)
        rows = session.scalars(stmt.limit(2)).all()
        if len(rows) > 1:
            raise exception.InvalidParameter(
                field=field,
                reason=f"more than one node is named {ident}; give its uuid",
            )
        if rows:
            return rows[0]
    raise exception.NodeNotFound(node=ident)


def get_page(
    session: orm.Session,
    *,
    filters: dict[str, Any],
    limit: int | None,
    marker: models.Node | None,
    resource_class: tuple[str, str] | None = None,
) -> Sequence[models.Node]:
    """Nodes matching ``filters`` (exact match on ``FILTERS``), by name, one page.

    Args:
        session: an open session.
        filters: column -> value.
        limit: page size.
        marker: the last node of the previous page.
        resource_class: the class as nodes spell it and as Placement does;
            a node matches either.
    """
    stmt = sa.select(models.Node)
    for key, value in filters.items():
        if key not in FILTERS:
            msg = f"unknown node filter {key}"
            raise ValueError(msg)
        stmt = stmt.where(getattr(models.Node, key) == value)
    if resource_class is not None:
        node_spelling, placement_spelling = resource_class
        stmt = stmt.where(
            sa.or_(
                models.Node.resource_class == node_spelling,
                models.Node.placement_rc == placement_spelling,
            )
        )
    stmt = pagination.paginate(
        stmt, models.Node, sort_key="name", sort_dir="asc", limit=limit, marker=marker
    )
    return session.scalars(stmt).all()
