"""Candidate queries over the nodes view: free nodes that satisfy a request.

Every query is an index seek on ``ix_nodes_candidates`` (class, consumable,
maintenance, allocated, uuid) from a random start key, with traits,
aggregates, zones, hardware classes and failure domains checked per row
through their own indexes, and a ``LIMIT``: its cost follows how many rows
it returns, not the fleet size. Group placement asks for per-domain samples
instead (at most ``per_domain`` nodes of each domain). Nothing here writes.
"""

import dataclasses
import typing
from collections.abc import Collection, Sequence

import sqlalchemy as sa
from sqlalchemy import orm

from mogan.db import models


@dataclasses.dataclass(frozen=True)
class Filter:
    """What a node must be to take a server of a request.

    ``aggregates`` is a list of alternatives: the node must be in at least
    one aggregate of each inner list. ``level`` with ``domains_in`` or
    ``domains_out`` restricts the node's failure domain at that level (a node
    with no domain there passes only when neither is given and ``level`` is
    None).
    """

    placement_rc: str
    required: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    aggregates: tuple[tuple[int, ...], ...] = ()
    availability_zone: str | None = None
    exclude: frozenset[str] = frozenset()
    level: str | None = None
    domains_in: frozenset[str] | None = None
    domains_out: frozenset[str] = frozenset()
    # NOTE: None: any node; else only nodes of these hardware classes.
    hardware_classes: frozenset[str] | None = None


def _base(
    flt: Filter,
) -> tuple[sa.Select[str, str | None], sa.ColumnElement[str | None]]:
    """The SELECT of (uuid, domain) with every filter but the start key.

    Returns:
        The statement and its domain column (NULL without a level).
    """
    node = models.Node
    stmt: sa.Select[str, str | None]
    domain_col: sa.ColumnElement[str | None]
    if flt.level is not None:
        nd = orm.aliased(models.NodeDomain)
        domain_col = typing.cast("sa.ColumnElement[str | None]", nd.domain)
        stmt = sa.select(node.uuid, domain_col.label("domain")).join(
            nd, sa.and_(nd.node_uuid == node.uuid, nd.level == flt.level)
        )
    else:
        domain_col = sa.literal(None, type_=sa.String())
        stmt = sa.select(node.uuid, domain_col.label("domain"))
    stmt = stmt.where(
        node.placement_rc == flt.placement_rc,
        node.consumable.is_(True),
        node.maintenance.is_(False),
        node.allocated.is_(False),
        node.server_uuid.is_(None),
    )
    for trait in flt.required:
        stmt = stmt.where(
            sa.exists().where(
                models.NodeTrait.node_uuid == node.uuid,
                models.NodeTrait.trait == trait,
            )
        )
    if flt.forbidden:
        stmt = stmt.where(
            ~sa.exists().where(
                models.NodeTrait.node_uuid == node.uuid,
                models.NodeTrait.trait.in_(flt.forbidden),
            )
        )
    for any_of in flt.aggregates:
        stmt = stmt.where(
            sa.exists().where(
                models.AggregateNode.node_uuid == node.uuid,
                models.AggregateNode.aggregate_id.in_(any_of),
            )
        )
    if flt.availability_zone is not None:
        stmt = stmt.where(node.availability_zone == flt.availability_zone)
    if flt.exclude:
        stmt = stmt.where(node.uuid.not_in(flt.exclude))
    if flt.hardware_classes is not None:
        stmt = stmt.where(node.hardware_class.in_(sorted(flt.hardware_classes)))
    if flt.domains_in is not None:
        stmt = stmt.where(domain_col.in_(flt.domains_in))
    if flt.domains_out:
        stmt = stmt.where(domain_col.not_in(flt.domains_out))
    return stmt, domain_col


def sample(
    session: orm.Session, flt: Filter, *, start: str, limit: int
) -> list[tuple[str, str | None]]:
    """Up to ``limit`` free nodes passing ``flt``, from ``start`` on (wrapping).

    Returns:
        ``(node_uuid, domain at flt.level or None)`` in uuid order from the
        start key, so concurrent schedulers with different starts spread out.
    """
    node = models.Node
    stmt, _ = _base(flt)
    found = [
        (str(u), d)
        for u, d in session.execute(
            stmt.where(node.uuid >= start).order_by(node.uuid).limit(limit)
        )
    ]
    if len(found) < limit:
        found += [
            (str(u), d)
            for u, d in session.execute(
                stmt.where(node.uuid < start)
                .order_by(node.uuid)
                .limit(limit - len(found))
            )
        ]
    return found


def per_domain(
    session: orm.Session, flt: Filter, *, per_domain: int
) -> dict[str, list[str]]:
    """Up to ``per_domain`` free nodes of every domain at ``flt.level``.

    Returns:
        ``{domain: [node_uuid, ...]}``, nodes in uuid order.
    """
    if flt.level is None:
        msg = "per_domain needs a failure-domain level"
        raise ValueError(msg)
    stmt, domain_col = _base(flt)
    inner = stmt.add_columns(
        sa.func.row_number()
        .over(partition_by=domain_col, order_by=models.Node.uuid)
        .label("rank")
    )
    sub = inner.subquery()
    rows = session.execute(
        sa.select(sub.c.uuid, sub.c.domain)
        .where(sub.c.rank <= per_domain)
        .order_by(sub.c.domain, sub.c.uuid)
    )
    out: dict[str, list[str]] = {}
    for uuid, domain in rows:
        out.setdefault(str(domain), []).append(str(uuid))
    return out


def used_per_domain(
    session: orm.Session, level: str, domains: Collection[str]
) -> dict[str, int]:
    """How many allocated nodes each of ``domains`` at ``level`` has."""
    if not domains:
        return {}
    nd = models.NodeDomain
    rows = session.execute(
        sa.select(nd.domain, sa.func.count())
        .join(models.Node, models.Node.uuid == nd.node_uuid)
        .where(
            nd.level == level,
            nd.domain.in_(list(domains)),
            models.Node.allocated.is_(True),
        )
        .group_by(nd.domain)
    )
    return {str(d): int(n) for d, n in rows}


def used_per_aggregate(
    session: orm.Session, node_uuids: Collection[str]
) -> tuple[dict[str, list[int]], dict[int, int]]:
    """The aggregates of ``node_uuids`` and how many allocated nodes each has.

    Returns:
        ``({node_uuid: [aggregate_id, ...]}, {aggregate_id: allocated nodes})``.
    """
    if not node_uuids:
        return {}, {}
    an = models.AggregateNode
    memberships: dict[str, list[int]] = {}
    for node_uuid, agg in session.execute(
        sa.select(an.node_uuid, an.aggregate_id).where(an.node_uuid.in_(node_uuids))
    ):
        memberships.setdefault(str(node_uuid), []).append(int(agg))
    aggs = {a for ids in memberships.values() for a in ids}
    if not aggs:
        return memberships, {}
    used = {
        int(a): int(n)
        for a, n in session.execute(
            sa.select(an.aggregate_id, sa.func.count())
            .join(models.Node, models.Node.uuid == an.node_uuid)
            .where(an.aggregate_id.in_(aggs), models.Node.allocated.is_(True))
            .group_by(an.aggregate_id)
        )
    }
    return memberships, used


def domains_of(
    session: orm.Session, level: str, node_uuids: Collection[str]
) -> dict[str, str]:
    """``{node_uuid: domain}`` at ``level``, for nodes that have one there."""
    if not node_uuids:
        return {}
    nd = models.NodeDomain
    return {
        str(u): str(d)
        for u, d in session.execute(
            sa.select(nd.node_uuid, nd.domain).where(
                nd.level == level, nd.node_uuid.in_(list(node_uuids))
            )
        )
    }


def nodes_of_consumers(
    session: orm.Session, consumers: Collection[str]
) -> dict[str, str]:
    """``{consumer_uuid: node_uuid}`` for consumers the view knows a node of."""
    if not consumers:
        return {}
    node = models.Node
    return {
        str(c): str(u)
        for c, u in session.execute(
            sa.select(node.consumer_uuid, node.uuid).where(
                node.consumer_uuid.in_(list(consumers))
            )
        )
    }


def aggregates_matching(
    session: orm.Session, pairs: Sequence[tuple[str, str]]
) -> list[tuple[int, ...]]:
    """For each ``(key, value)``, the ids of aggregates whose metadata has it."""
    meta = models.AggregateMetadata
    out = []
    for key, value in pairs:
        ids = tuple(
            int(i)
            for i in session.scalars(
                sa.select(meta.aggregate_id).where(meta.key == key, meta.value == value)
            )
        )
        out.append(ids)
    return out
