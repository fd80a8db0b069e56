"""Per-project visibility for catalogue-like resources (flavors, images, networks).

Each resource module supplies its own ``restrict(stmt, project_id)`` filter;
the lookup, the not-found rule and the paged listing are the same for all
and live here. No resource-specific rule belongs in this module.
"""

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db.api import pagination

Restrict = Callable[[sa.Select[Any], str | None], sa.Select[Any]]


def one(
    session: orm.Session,
    model: Any,
    item_uuid: str,
    restrict: Restrict,
    *,
    visible_to: str | None,
    all_visible: bool,
    not_found: Exception,
) -> Any:
    """The row with ``item_uuid`` as the project sees it.

    Raises:
        Exception: ``not_found`` when there is no such row or it is hidden.
    """
    stmt = sa.select(model).where(model.uuid == item_uuid)
    if not all_visible:
        stmt = restrict(stmt, visible_to)
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise not_found
    return row


def page(
    session: orm.Session,
    model: Any,
    restrict: Restrict,
    *,
    visible_to: str | None,
    all_visible: bool,
    sort_key: str,
    sort_dir: str,
    limit: int | None,
    marker: Any | None,
) -> Sequence[Any]:
    """One page of the rows the project sees, in order."""
    stmt = sa.select(model)
    if not all_visible:
        stmt = restrict(stmt, visible_to)
    stmt = pagination.paginate(
        stmt, model, sort_key=sort_key, sort_dir=sort_dir, limit=limit, marker=marker
    )
    return session.scalars(stmt).all()
