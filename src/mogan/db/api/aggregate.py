"""Aggregate queries: rows, metadata, membership, and the nodes' zones.

Zones and failure domains are aggregate metadata; every change of
membership or metadata recomputes the members' denormalised columns
(``nodes.availability_zone``, ``affinity_zone``, ``failure_domains``) and
their ``node_domains`` rows in the caller's transaction
(:func:`recompute_zones`), so scheduling reads them without joins.

Writers of membership or metadata serialise on one lock row
(:func:`lock_zones`, a ``quota_locks`` row), taken as the first statement of
their transaction: aggregate changes are rare admin actions, one lock has no
lock-order deadlocks, and reads after a locking read see everything the
previous holder committed (on MariaDB a plain read before it would pin an
older snapshot).
"""

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models

AVAILABILITY_ZONE = "availability_zone"
AFFINITY_ZONE = "affinity_zone"
# NOTE: node_domains.domain is 255 characters; a longer path is refused
# rather than truncated (truncation could merge two different domains).
MAX_DOMAIN = 255
MISSING_LEVEL = "-"


def zone_keys(hierarchy: Iterable[str], orthogonal: Iterable[str]) -> list[str]:
    """Metadata keys a node may hold at most one value of, in a stable order.

    Args:
        hierarchy: ``[scheduler] failure_domain_hierarchy``, outermost first.
        orthogonal: ``[scheduler] failure_domain_orthogonal``.
    """
    keys = [AVAILABILITY_ZONE, AFFINITY_ZONE, *hierarchy, *orthogonal]
    return list(dict.fromkeys(keys))


ZONES_LOCK = {"resource": "node-zones", "owner": "all"}


def lock_zones(session: orm.Session) -> bool:
    """Hold the zones lock until the transaction ends; False if it has no row yet.

    Take it before any other read of the transaction. Concurrent holders
    queue here, so a check of membership and metadata made after this call
    stays true until commit.
    """
    stmt = sa.select(models.QuotaLock.resource).filter_by(**ZONES_LOCK)
    return session.execute(stmt.with_for_update()).first() is not None


def create_zones_lock(session: orm.Session) -> None:
    """Insert the zones lock row (a no-op when a concurrent caller did)."""
    try:
        with session.begin_nested():
            session.add(models.QuotaLock(**ZONES_LOCK))
    except sa_exc.IntegrityError:
        # NOTE: another transaction created it first: the outcome is the same.
        return


def get(session: orm.Session, aggregate_uuid: str) -> models.Aggregate:
    """The aggregate with ``aggregate_uuid``, metadata loaded.

    Raises:
        AggregateNotFound: no such aggregate.
    """
    stmt = (
        sa.select(models.Aggregate)
        .where(models.Aggregate.uuid == aggregate_uuid)
        .options(orm.selectinload(models.Aggregate.metadata_items))
    )
    row = session.scalars(stmt).one_or_none()
    if row is None:
        raise exception.AggregateNotFound(aggregate=aggregate_uuid)
    return row


def get_all(session: orm.Session) -> Sequence[models.Aggregate]:
    """Every aggregate, by name, metadata loaded."""
    stmt = (
        sa.select(models.Aggregate)
        .order_by(models.Aggregate.name)
        .options(orm.selectinload(models.Aggregate.metadata_items))
    )
    return session.scalars(stmt).all()


def metadata_of(aggregate: models.Aggregate) -> dict[str, str]:
    """The aggregate's metadata as a dict."""
    return {item.key: item.value for item in aggregate.metadata_items}


def create(
    session: orm.Session, values: dict[str, Any], metadata: Mapping[str, str]
) -> models.Aggregate:
    """Insert an aggregate and its metadata.

    Raises:
        AggregateExists: the name is taken.
    """
    aggregate = models.Aggregate(
        **values,
        metadata_items=[
            models.AggregateMetadata(key=key, value=value)
            for key, value in sorted(metadata.items())
        ],
    )
    try:
        with session.begin_nested():
            session.add(aggregate)
    except sa_exc.IntegrityError as err:
        raise exception.AggregateExists(name=values.get("name")) from err
    return aggregate


def rename(session: orm.Session, aggregate: models.Aggregate, name: str) -> None:
    """Give ``aggregate`` a new name.

    Raises:
        AggregateExists: the name is taken.
    """
    try:
        with session.begin_nested():
            aggregate.name = name
    except sa_exc.IntegrityError as err:
        raise exception.AggregateExists(name=name) from err


def set_metadata(
    session: orm.Session, aggregate: models.Aggregate, metadata: Mapping[str, str]
) -> None:
    """Make the aggregate's metadata exactly ``metadata``.

    Rows are changed in place rather than replaced, so the unique
    (aggregate, key) constraint never sees a new row beside an old one.
    """
    current = {item.key: item for item in aggregate.metadata_items}
    for key, item in current.items():
        if key not in metadata:
            aggregate.metadata_items.remove(item)
        elif item.value != metadata[key]:
            item.value = metadata[key]
    for key in sorted(set(metadata) - set(current)):
        aggregate.metadata_items.append(
            models.AggregateMetadata(key=key, value=metadata[key])
        )
    session.flush()


def destroy(session: orm.Session, aggregate: models.Aggregate) -> None:
    """Delete the aggregate, its metadata and its membership rows."""
    session.execute(
        sa.delete(models.AggregateNode).where(
            models.AggregateNode.aggregate_id == aggregate.id
        )
    )
    session.delete(aggregate)
    session.flush()


def member_uuids(session: orm.Session, aggregate: models.Aggregate) -> list[str]:
    """Uuids of the aggregate's nodes, sorted."""
    stmt = (
        sa.select(models.AggregateNode.node_uuid)
        .where(models.AggregateNode.aggregate_id == aggregate.id)
        .order_by(models.AggregateNode.node_uuid)
    )
    return list(session.scalars(stmt))


def member_names(session: orm.Session, aggregate: models.Aggregate) -> list[str]:
    """Names of the aggregate's nodes, sorted (a uuid where the node is gone)."""
    stmt = (
        sa.select(models.AggregateNode.node_uuid, models.Node.name)
        .outerjoin(models.Node, models.Node.uuid == models.AggregateNode.node_uuid)
        .where(models.AggregateNode.aggregate_id == aggregate.id)
    )
    return sorted(name or node_uuid for node_uuid, name in session.execute(stmt))


def is_member(
    session: orm.Session, aggregate: models.Aggregate, node_uuid: str
) -> bool:
    """Whether the node is in the aggregate."""
    stmt = sa.select(models.AggregateNode.id).where(
        models.AggregateNode.aggregate_id == aggregate.id,
        models.AggregateNode.node_uuid == node_uuid,
    )
    return session.scalar(stmt) is not None


def add_member(
    session: orm.Session, aggregate: models.Aggregate, node_uuid: str
) -> None:
    """Put the node in the aggregate (the caller checked it is not yet)."""
    session.add(models.AggregateNode(aggregate_id=aggregate.id, node_uuid=node_uuid))
    session.flush()


def remove_member(
    session: orm.Session, aggregate: models.Aggregate, node_uuid: str
) -> bool:
    """Take the node out of the aggregate; returns whether it was in."""
    result = session.execute(
        sa.delete(models.AggregateNode).where(
            models.AggregateNode.aggregate_id == aggregate.id,
            models.AggregateNode.node_uuid == node_uuid,
        )
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def values_elsewhere(
    session: orm.Session,
    node_uuids: Collection[str],
    key: str,
    aggregate: models.Aggregate,
) -> dict[str, set[str]]:
    """Values of ``key`` the nodes get from aggregates other than ``aggregate``.

    Returns:
        node uuid -> the distinct values (nodes without any are absent).
    """
    if not node_uuids:
        return {}
    stmt = (
        sa.select(models.AggregateNode.node_uuid, models.AggregateMetadata.value)
        .join(
            models.AggregateMetadata,
            models.AggregateMetadata.aggregate_id == models.AggregateNode.aggregate_id,
        )
        .where(
            models.AggregateNode.node_uuid.in_(list(node_uuids)),
            models.AggregateNode.aggregate_id != aggregate.id,
            models.AggregateMetadata.key == key,
        )
    )
    found: dict[str, set[str]] = defaultdict(set)
    for node_uuid, value in session.execute(stmt):
        found[node_uuid].add(value)
    return dict(found)


def aggregates_of(
    session: orm.Session, node_uuids: Collection[str]
) -> dict[str, list[models.Aggregate]]:
    """Each node's aggregates, by name (nodes in none are absent)."""
    if not node_uuids:
        return {}
    stmt = (
        sa.select(models.AggregateNode.node_uuid, models.Aggregate)
        .join(
            models.Aggregate, models.Aggregate.id == models.AggregateNode.aggregate_id
        )
        .where(models.AggregateNode.node_uuid.in_(list(node_uuids)))
        .order_by(models.Aggregate.name)
        .options(orm.selectinload(models.Aggregate.metadata_items))
    )
    found: dict[str, list[models.Aggregate]] = defaultdict(list)
    for node_uuid, aggregate in session.execute(stmt):
        found[node_uuid].append(aggregate)
    return dict(found)


def availability_zones(session: orm.Session) -> list[str]:
    """Distinct ``availability_zone`` values of aggregates holding a node, sorted."""
    has_node = (
        sa.select(models.AggregateNode.id)
        .join(models.Node, models.Node.uuid == models.AggregateNode.node_uuid)
        .where(
            models.AggregateNode.aggregate_id == models.AggregateMetadata.aggregate_id
        )
        .exists()
    )
    stmt = (
        sa.select(models.AggregateMetadata.value)
        .where(models.AggregateMetadata.key == AVAILABILITY_ZONE, has_node)
        .distinct()
    )
    return sorted(session.scalars(stmt))


# ---------------------------------------------------------------- zones


@dataclasses.dataclass(frozen=True)
class Zones:
    """A node's denormalised zone columns."""

    availability_zone: str | None
    affinity_zone: str | None
    failure_domains: dict[str, str]


def compute_zones(
    metadata: Iterable[Mapping[str, str]],
    hierarchy: Sequence[str],
    orthogonal: Sequence[str],
) -> Zones:
    """A node's zones from the metadata of all its aggregates (no I/O).

    ``failure_domains`` maps a level to the node's domain there:
    ``affinity_zone`` to its value; each hierarchy level the node has a
    value for to the ``/``-joined values from the outermost level down to
    it, ``-`` standing for a missing outer value (``room-a/-/rack-1``);
    each orthogonal level to its value.

    Args:
        metadata: one mapping per aggregate the node is in.
        hierarchy: nested levels, outermost first.
        orthogonal: independent levels.

    Raises:
        InvalidParameter: a hierarchical domain path is longer than 255
            characters.
    """
    values: dict[str, set[str]] = defaultdict(set)
    for items in metadata:
        for key, value in items.items():
            values[key].add(value)

    def one(key: str) -> str | None:
        # NOTE: at most one value is enforced when nodes join aggregates or
        # metadata changes; the smallest makes a breach deterministic.
        found = values.get(key)
        return min(found) if found else None

    domains: dict[str, str] = {}
    affinity = one(AFFINITY_ZONE)
    if affinity is not None:
        domains[AFFINITY_ZONE] = affinity
    path: list[str] = []
    for level in hierarchy:
        here = one(level)
        path.append(MISSING_LEVEL if here is None else here)
        if here is not None:
            domains[level] = "/".join(path)
    for level in orthogonal:
        here = one(level)
        if here is not None:
            domains.setdefault(level, here)
    for level, domain in domains.items():
        if len(domain) > MAX_DOMAIN:
            raise exception.InvalidParameter(
                field=f"metadata.{level}",
                reason=(
                    f"the failure domain {domain!r} would be longer than "
                    f"{MAX_DOMAIN} characters"
                ),
            )
    return Zones(
        availability_zone=one(AVAILABILITY_ZONE),
        affinity_zone=affinity,
        failure_domains=domains,
    )


def recompute_zones(
    session: orm.Session,
    node_uuids: Collection[str],
    hierarchy: Sequence[str],
    orthogonal: Sequence[str],
) -> dict[str, Zones]:
    """Rewrite the nodes' zone columns and ``node_domains`` rows from aggregates.

    Call after any change of the nodes' membership or of their aggregates'
    metadata, in the same transaction. Nodes without a row are skipped.

    Args:
        session: an open session.
        node_uuids: the nodes whose aggregates changed.
        hierarchy: ``[scheduler] failure_domain_hierarchy``.
        orthogonal: ``[scheduler] failure_domain_orthogonal``.

    Returns:
        node uuid -> its new zones, for the nodes that have a row.

    Raises:
        InvalidParameter: a domain path would be too long.
    """
    if not node_uuids:
        return {}
    existing = list(
        session.scalars(
            sa.select(models.Node.uuid)
            .where(models.Node.uuid.in_(list(node_uuids)))
            .order_by(models.Node.uuid)
        )
    )
    memberships = aggregates_of(session, existing)
    result: dict[str, Zones] = {}
    session.execute(
        sa.delete(models.NodeDomain).where(
            models.NodeDomain.node_uuid.in_(list(node_uuids))
        )
    )
    for node_uuid in existing:
        zones = compute_zones(
            (metadata_of(a) for a in memberships.get(node_uuid, [])),
            hierarchy,
            orthogonal,
        )
        session.execute(
            sa.update(models.Node)
            .where(models.Node.uuid == node_uuid)
            .values(
                availability_zone=zones.availability_zone,
                affinity_zone=zones.affinity_zone,
                failure_domains=zones.failure_domains,
            )
        )
        session.add_all(
            models.NodeDomain(node_uuid=node_uuid, level=level, domain=domain)
            for level, domain in sorted(zones.failure_domains.items())
        )
        result[node_uuid] = zones
    session.flush()
    return result


def aggregate_uuids_of(session: orm.Session, node_uuid: str) -> list[str]:
    """Uuids of the node's aggregates, sorted (its Placement aggregates)."""
    stmt = (
        sa.select(models.Aggregate.uuid)
        .join(
            models.AggregateNode,
            models.AggregateNode.aggregate_id == models.Aggregate.id,
        )
        .where(models.AggregateNode.node_uuid == node_uuid)
        .order_by(models.Aggregate.uuid)
    )
    return list(session.scalars(stmt))
