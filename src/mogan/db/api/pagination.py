"""Keyset pagination shared by every collection query.

Sorting is on a whitelisted column plus ``id`` as a tie-breaker, so a page
boundary is stable even when many rows share the sort value. Nothing else
lives here: filtering is the resource module's business.

A nullable sort key (``updated_at``) sorts its NULLs last in ascending order
and first in descending order on every backend; the backends disagree on
where NULLs go by default, and ``col > NULL`` matches nothing, so both the
order and the keyset condition spell NULLs out.
"""

from typing import Any

import sqlalchemy as sa


def paginate(
    stmt: sa.Select[Any],
    model: Any,
    *,
    sort_key: str,
    sort_dir: str,
    limit: int | None,
    marker: Any | None,
) -> sa.Select[Any]:
    """Apply order, the marker boundary and the limit to ``stmt``.

    Args:
        stmt: the filtered select.
        model: the mapped class being listed.
        sort_key: a column name already checked against the resource's
            whitelist.
        sort_dir: ``asc`` or ``desc``.
        limit: the most rows to return, or None for no limit.
        marker: the last row of the previous page, or None.

    Returns:
        The select with ORDER BY, the keyset WHERE and LIMIT applied.
    """
    column = getattr(model, sort_key)
    ident = model.id
    nullable = bool(model.__table__.c[sort_key].nullable)
    descending = sort_dir == "desc"
    order = [column, ident]
    if nullable:
        order.insert(0, sa.case((column.is_(None), 1), else_=0))
    stmt = stmt.order_by(*(c.desc() if descending else c.asc() for c in order))
    if marker is not None:
        stmt = stmt.where(
            _after(
                column,
                ident,
                marker,
                sort_key=sort_key,
                nullable=nullable,
                descending=descending,
            )
        )
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt


def _after(
    column: Any,
    ident: Any,
    marker: Any,
    *,
    sort_key: str,
    nullable: bool,
    descending: bool,
) -> sa.ColumnElement[bool]:
    """Rows strictly after ``marker`` in the order ``paginate`` applies."""
    value = getattr(marker, sort_key)
    if value is None:
        # NOTE: the marker is in the NULL block, last when ascending and
        # first when descending.
        if descending:
            return sa.or_(
                column.is_not(None), sa.and_(column.is_(None), ident < marker.id)
            )
        return sa.and_(column.is_(None), ident > marker.id)
    if descending:
        return sa.or_(column < value, sa.and_(column == value, ident < marker.id))
    after = sa.or_(column > value, sa.and_(column == value, ident > marker.id))
    if nullable:
        after = sa.or_(after, column.is_(None))
    return after
