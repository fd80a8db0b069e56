"""Keyset pagination shared by every collection query.

Sorting is on a whitelisted column plus ``id`` as a tie-breaker, so a page
boundary is stable even when many rows share the sort value.
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
    if sort_dir == "desc":
        stmt = stmt.order_by(column.desc(), ident.desc())
    else:
        stmt = stmt.order_by(column.asc(), ident.asc())
    if marker is not None:
        value = getattr(marker, sort_key)
        after = (
            sa.or_(column < value, sa.and_(column == value, ident < marker.id))
            if sort_dir == "desc"
            else sa.or_(column > value, sa.and_(column == value, ident > marker.id))
        )
        stmt = stmt.where(after)
    if limit is not None:
        stmt = stmt.limit(limit)
    return stmt
