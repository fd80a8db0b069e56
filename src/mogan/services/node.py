"""Nodes as admins see them: Mogan's view of the fleet, with zones and aggregates.

Read-only: the engine's node sync writes node rows from the driver, and the
aggregate service writes their zones.
"""

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import orm

from mogan import context as mogan_context
from mogan.db import models
from mogan.db.api import aggregate as aggregate_db
from mogan.db.api import node_view as node_db
from mogan.placement import client as placement_client


@dataclasses.dataclass(frozen=True)
class NodeDetail:
    """A node with its aggregates and why it cannot take a server."""

    node: models.Node
    aggregates: list[tuple[str, str]]
    why_not: str | None


def why_not(node: models.Node) -> str | None:
    """Why the node cannot take a new server, or None when it can.

    The driver's reason comes first; otherwise Mogan's own: maintenance, a
    server on it, a claim in Placement.
    """
    if node.why_not:
        return node.why_not
    if node.maintenance:
        return "in maintenance"
    if node.server_uuid:
        return f"in use by server {node.server_uuid}"
    if node.allocated:
        consumer = f" by {node.consumer_uuid}" if node.consumer_uuid else ""
        return f"allocated in Placement{consumer}"
    if not node.consumable:
        return "not consumable"
    return None


def _details(session: orm.Session, nodes: Sequence[models.Node]) -> list[NodeDetail]:
    memberships = aggregate_db.aggregates_of(session, [n.uuid for n in nodes])
    return [
        NodeDetail(
            node=node,
            aggregates=[(a.uuid, a.name) for a in memberships.get(node.uuid, [])],
            why_not=why_not(node),
        )
        for node in nodes
    ]


def get(ctx: mogan_context.RequestContext, node: str) -> NodeDetail:
    """The node with that uuid or name.

    Raises:
        NodeNotFound: no such node.
        InvalidParameter: several nodes share the name.
    """
    with ctx.database.transaction(readonly=True) as session:
        return _details(session, [node_db.find(session, node, field="node_ident")])[0]


def get_all(
    ctx: mogan_context.RequestContext,
    *,
    filters: dict[str, Any],
    limit: int | None,
    marker: str | None,
) -> list[NodeDetail]:
    """One page of nodes matching ``filters``, by name.

    ``resource_class`` may be given as nodes spell it (``baremetal-silver``)
    or as Placement and flavors do (``CUSTOM_BAREMETAL_SILVER``).

    Raises:
        NodeNotFound: the marker names no node.
    """
    filters = dict(filters)
    rc = filters.pop("resource_class", None)
    classes = (rc, placement_client.placement_class(rc)) if rc else None
    with ctx.database.transaction(readonly=True) as session:
        marker_row = node_db.find(session, marker, field="marker") if marker else None
        nodes = node_db.get_page(
            session,
            filters=filters,
            limit=limit,
            marker=marker_row,
            resource_class=classes,
        )
        return _details(session, nodes)
