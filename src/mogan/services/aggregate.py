"""Aggregates: named sets of nodes whose metadata defines zones and failure domains.

A node is in at most one value of each zone key (``availability_zone``,
``affinity_zone`` and every configured failure-domain level): checked when a
node joins an aggregate and when an aggregate's metadata changes, under one
lock so concurrent requests cannot each pass the check. The members' zone
columns are recomputed in the same transaction; after commit their
Placement providers' aggregates are set to the uuids of their Mogan
aggregates (best effort: the engine's node sync applies them too).
"""

import contextlib
import logging
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

from oslo_config import cfg
from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import aggregate as aggregate_db
from mogan.db.api import node_view as node_db
from mogan.placement import client as placement_client

LOG = logging.getLogger(__name__)

MUTABLE_FIELDS = ("name", "metadata")
# NOTE: a provider's generation moves whenever the node sync writes it; a
# few fresh reads are enough to get a write in between.
PLACEMENT_ATTEMPTS = 3
MEMBERS_SHOWN = 5
"""Node names an error message lists before "and N more"."""


def zone_keys(conf: cfg.ConfigOpts) -> list[str]:
    """The metadata keys a node may hold only one value of."""
    return aggregate_db.zone_keys(
        conf.scheduler.failure_domain_hierarchy,
        conf.scheduler.failure_domain_orthogonal,
    )


def _recompute(
    session: orm.Session, conf: cfg.ConfigOpts, node_uuids: Collection[str]
) -> None:
    aggregate_db.recompute_zones(
        session,
        node_uuids,
        conf.scheduler.failure_domain_hierarchy,
        conf.scheduler.failure_domain_orthogonal,
    )


@contextlib.contextmanager
def _zones_transaction(ctx: mogan_context.RequestContext) -> Iterator[orm.Session]:
    """A transaction holding the zones lock from its first statement."""
    with ctx.database.transaction() as session:
        if aggregate_db.lock_zones(session):
            yield session
            return
    # NOTE: the lock row is created once, in a transaction of its own, so
    # two first users never hold gap locks on it while inserting it.
    with ctx.database.transaction() as session:
        aggregate_db.create_zones_lock(session)
    with ctx.database.transaction() as session:
        aggregate_db.lock_zones(session)
        yield session


def _check_not_empty(name: str, metadata: dict[str, str], keys: list[str]) -> None:
    for key in keys:
        if key in metadata and not metadata[key]:
            raise exception.AggregateEmptyZone(name=name, key=key)


def get(ctx: mogan_context.RequestContext, aggregate_uuid: str) -> models.Aggregate:
    """The aggregate.

    Raises:
        AggregateNotFound: no such aggregate.
    """
    with ctx.database.transaction(readonly=True) as session:
        return aggregate_db.get(session, aggregate_uuid)


def get_all(ctx: mogan_context.RequestContext) -> Sequence[models.Aggregate]:
    """Every aggregate, by name."""
    with ctx.database.transaction(readonly=True) as session:
        return aggregate_db.get_all(session)


def create(
    ctx: mogan_context.RequestContext,
    conf: cfg.ConfigOpts,
    name: str,
    metadata: dict[str, str],
) -> models.Aggregate:
    """Create an aggregate (with no nodes).

    Raises:
        AggregateEmptyZone: a zone key has an empty value.
        AggregateExists: the name is taken.
    """
    _check_not_empty(name, metadata, zone_keys(conf))
    with ctx.database.transaction() as session:
        return aggregate_db.create(
            session, {"uuid": uuidutils.generate_uuid(), "name": name}, metadata
        )


def update(
    ctx: mogan_context.RequestContext,
    conf: cfg.ConfigOpts,
    aggregate_uuid: str,
    change: Callable[[dict[str, Any]], dict[str, Any]],
) -> models.Aggregate:
    """Apply ``change`` to the aggregate's name and metadata, atomically.

    Args:
        ctx: the caller.
        conf: configuration (the failure-domain levels).
        aggregate_uuid: the aggregate to change.
        change: maps ``{"name", "metadata"}`` to their new values; runs in
            the transaction.

    Raises:
        AggregateNotFound: no such aggregate.
        AggregateEmptyZone: a zone key is set to an empty value.
        NodesInOtherZone: a member has another value of a zone key set here
            through another aggregate.
        AggregateExists: the new name is taken.
    """
    keys = zone_keys(conf)
    with _zones_transaction(ctx) as session:
        aggregate = aggregate_db.get(session, aggregate_uuid)
        old = aggregate_db.metadata_of(aggregate)
        new = change({"name": aggregate.name, "metadata": dict(old)})
        metadata: dict[str, str] = new["metadata"]
        set_here = [k for k in keys if k in metadata and metadata[k] != old.get(k)]
        _check_not_empty(new["name"], {k: metadata[k] for k in set_here}, keys)
        members = aggregate_db.member_uuids(session, aggregate)
        for key in set_here:
            elsewhere = aggregate_db.values_elsewhere(session, members, key, aggregate)
            clashing = set().union(*elsewhere.values()) - {metadata[key]}
            if clashing:
                raise exception.NodesInOtherZone(
                    key=key, values=", ".join(sorted(clashing))
                )
        if new["name"] != aggregate.name:
            aggregate_db.rename(session, aggregate, new["name"])
        if metadata != old:
            aggregate_db.set_metadata(session, aggregate, metadata)
            if any(old.get(k) != metadata.get(k) for k in keys):
                _recompute(session, conf, members)
        return aggregate


def delete(ctx: mogan_context.RequestContext, aggregate_uuid: str) -> None:
    """Delete an empty aggregate.

    An aggregate with nodes is refused, as Nova refuses it: deleting it would
    silently take its nodes out of their zones and failure domains. A
    member whose node row is gone still counts (it gets its zones back when
    it returns); it is removed by its uuid.

    Raises:
        AggregateNotFound: no such aggregate.
        AggregateNotEmpty: nodes are still in it.
    """
    with _zones_transaction(ctx) as session:
        aggregate = aggregate_db.get(session, aggregate_uuid)
        members = aggregate_db.member_names(session, aggregate)
        if members:
            shown = ", ".join(members[:MEMBERS_SHOWN])
            more = len(members) - MEMBERS_SHOWN
            raise exception.AggregateNotEmpty(
                aggregate=exception.labelled(aggregate.name, aggregate.uuid),
                count=len(members),
                nodes=shown + (f" and {more} more" if more > 0 else ""),
            )
        aggregate_db.destroy(session, aggregate)


def list_nodes(ctx: mogan_context.RequestContext, aggregate_uuid: str) -> list[str]:
    """Names of the aggregate's nodes, sorted.

    Raises:
        AggregateNotFound: no such aggregate.
    """
    with ctx.database.transaction(readonly=True) as session:
        aggregate = aggregate_db.get(session, aggregate_uuid)
        return aggregate_db.member_names(session, aggregate)


def add_node(
    ctx: mogan_context.RequestContext,
    conf: cfg.ConfigOpts,
    placement: placement_client.PlacementClient | None,
    aggregate_uuid: str,
    node: str,
) -> None:
    """Put a node (by name or uuid) in the aggregate; a member already is a no-op.

    Raises:
        AggregateNotFound: no such aggregate.
        NodeNotFound: no such node.
        NodeInOtherZone: the node has another value of one of the
            aggregate's zone keys through another aggregate.
    """
    with _zones_transaction(ctx) as session:
        aggregate = aggregate_db.get(session, aggregate_uuid)
        row = node_db.find(session, node)
        node_uuid = row.uuid
        if aggregate_db.is_member(session, aggregate, node_uuid):
            return
        metadata = aggregate_db.metadata_of(aggregate)
        for key in zone_keys(conf):
            if key not in metadata:
                continue
            elsewhere = aggregate_db.values_elsewhere(
                session, [node_uuid], key, aggregate
            ).get(node_uuid, set())
            if elsewhere - {metadata[key]}:
                raise exception.NodeInOtherZone(
                    node=node, key=key, values=", ".join(sorted(elsewhere))
                )
        aggregate_db.add_member(session, aggregate, node_uuid)
        _recompute(session, conf, [node_uuid])
    mirror_to_placement(ctx, placement, [node_uuid])


def remove_node(
    ctx: mogan_context.RequestContext,
    conf: cfg.ConfigOpts,
    placement: placement_client.PlacementClient | None,
    aggregate_uuid: str,
    node: str,
) -> None:
    """Take a node (by name or uuid) out of the aggregate; a non-member is a no-op.

    A member whose node row is gone can still be removed by its uuid.

    Raises:
        AggregateNotFound: no such aggregate.
        NodeNotFound: no such node.
    """
    with _zones_transaction(ctx) as session:
        aggregate = aggregate_db.get(session, aggregate_uuid)
        try:
            node_uuid = node_db.find(session, node).uuid
        except exception.NodeNotFound:
            if not aggregate_db.is_member(session, aggregate, node):
                raise
            node_uuid = node
        if not aggregate_db.remove_member(session, aggregate, node_uuid):
            return
        _recompute(session, conf, [node_uuid])
    mirror_to_placement(ctx, placement, [node_uuid])


def mirror_to_placement(
    ctx: mogan_context.RequestContext,
    placement: placement_client.PlacementClient | None,
    node_uuids: Collection[str],
) -> None:
    """Set the nodes' Placement aggregates to their Mogan aggregates' uuids.

    Best effort, after commit: providers Placement does not know are
    skipped, and a failure is logged (the engine's node sync applies
    aggregates as well).
    """
    if placement is None:
        return
    for node_uuid in sorted(node_uuids):
        try:
            _mirror_one(ctx, placement, node_uuid)
        except Exception:
            # NOTE: the change is committed and the node sync applies
            # aggregates too, so no Placement failure may fail the request.
            LOG.warning(
                "Could not set the Placement aggregates of node %s; the node sync will",
                node_uuid,
                exc_info=True,
            )


def _mirror_one(
    ctx: mogan_context.RequestContext,
    placement: placement_client.PlacementClient,
    node_uuid: str,
) -> None:
    for _ in range(PLACEMENT_ATTEMPTS):
        provider = placement.get_provider(node_uuid)
        if provider is None:
            return
        # NOTE: read again after commit rather than using what the
        # transaction saw, so a later concurrent change is not undone.
        with ctx.database.transaction(readonly=True) as session:
            wanted = aggregate_db.aggregate_uuids_of(session, node_uuid)
        if placement.get_aggregates(node_uuid) == wanted:
            return
        try:
            placement.set_aggregates(node_uuid, provider["generation"], wanted)
        except placement_client.ClaimConflict:
            continue
        return
    LOG.warning(
        "Placement provider %s kept changing; its aggregates are left to the node sync",
        node_uuid,
    )
