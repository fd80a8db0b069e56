"""Embedded network queries: networks (with visibility) and their ports.

Address *choice* is not here (``mogan.network.ipam`` and ``embedded``);
these functions read and write rows, and ``add_port`` turns the unique
(network, address) constraint into a plain ``False`` so the allocator can
try the next address. Deleting ports unmaps the floating IPs on them
(``floating_ip``) first, as Neutron does.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import orm

from mogan import exception
from mogan.db import models
from mogan.db.api import floating_ip as fip_db
from mogan.db.api import visibility


def _visible(stmt: sa.Select[Any], project_id: str | None) -> sa.Select[Any]:
    """Restrict to shared networks and those of the project."""
    return stmt.where(
        sa.or_(
            models.Network.shared.is_(True),
            models.Network.project_id == project_id,
        )
    )


def get(
    session: orm.Session,
    network_uuid: str,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
) -> models.Network:
    """The network with ``network_uuid``.

    Args:
        session: an open session.
        network_uuid: the network's id.
        visible_to: project whose view applies when ``all_visible`` is false.
        all_visible: true for admins, who see every network.

    Raises:
        NetworkNotFound: no such network, or hidden from the project.
    """
    row: models.Network = visibility.one(
        session,
        models.Network,
        network_uuid,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        not_found=exception.NetworkNotFound(network=network_uuid),
    )
    return row


def get_all(
    session: orm.Session,
    *,
    visible_to: str | None = None,
    all_visible: bool = True,
    sort_key: str = "name",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: models.Network | None = None,
) -> Sequence[models.Network]:
    """Networks in order, optionally as the given project sees them."""
    return visibility.page(
        session,
        models.Network,
        _visible,
        visible_to=visible_to,
        all_visible=all_visible,
        sort_key=sort_key,
        sort_dir=sort_dir,
        limit=limit,
        marker=marker,
    )


def create(session: orm.Session, values: dict[str, Any]) -> models.Network:
    """Insert a network."""
    network = models.Network(**values)
    session.add(network)
    session.flush()
    return network


def destroy(session: orm.Session, network: models.Network) -> None:
    """Delete ``network`` (the caller checked it has no ports)."""
    session.delete(network)
    session.flush()


def count_ports(session: orm.Session, network_uuid: str) -> int:
    """How many ports the network has."""
    stmt = sa.select(sa.func.count(models.Port.id)).where(
        models.Port.network_uuid == network_uuid
    )
    return int(session.scalar(stmt) or 0)


def taken_addresses(session: orm.Session, network_uuid: str) -> set[str]:
    """Every address of the network held by a port."""
    stmt = sa.select(models.Port.fixed_ip).where(
        models.Port.network_uuid == network_uuid
    )
    return set(session.scalars(stmt).all())


def get_port(
    session: orm.Session, server_uuid: str, network_uuid: str, mac_address: str
) -> models.Port | None:
    """The port bound to the server's NIC on the network, if any."""
    stmt = sa.select(models.Port).where(
        models.Port.server_uuid == server_uuid,
        models.Port.network_uuid == network_uuid,
        models.Port.mac_address == mac_address,
    )
    return session.scalars(stmt).first()


def add_port(session: orm.Session, values: dict[str, Any]) -> models.Port | None:
    """Insert a port, or return None if its address was taken meanwhile.

    The INSERT runs in a SAVEPOINT so a clash with a concurrent transaction
    (the unique (network, address) constraint) leaves the caller's
    transaction usable for the next try.
    """
    port = models.Port(**values)
    try:
        with session.begin_nested():
            session.add(port)
    except sa_exc.IntegrityError:
        return None
    return port


def find_port(session: orm.Session, port_uuid: str) -> models.Port | None:
    """The port with ``port_uuid``, or None."""
    stmt = sa.select(models.Port).where(models.Port.uuid == port_uuid)
    return session.scalars(stmt).one_or_none()


def servers_of(session: orm.Session, port_uuids: list[str]) -> dict[str, str | None]:
    """The server each of the ports is bound to (ports absent: left out)."""
    if not port_uuids:
        return {}
    stmt = sa.select(models.Port.uuid, models.Port.server_uuid).where(
        models.Port.uuid.in_(port_uuids)
    )
    return {row.uuid: row.server_uuid for row in session.execute(stmt)}


def delete_port(session: orm.Session, server_uuid: str, port_uuid: str) -> int:
    """Delete the server's port ``port_uuid`` (unmapping its floating IP).

    Returns:
        How many ports were deleted (0: gone already, or another server's).
    """
    stmt = sa.select(models.Port.uuid).where(
        models.Port.uuid == port_uuid, models.Port.server_uuid == server_uuid
    )
    ports = list(session.scalars(stmt))
    fip_db.unmap_ports(session, ports)
    if not ports:
        return 0
    result = session.execute(sa.delete(models.Port).where(models.Port.uuid.in_(ports)))
    return int(getattr(result, "rowcount", 0) or 0)


def delete_ports(session: orm.Session, server_uuid: str) -> int:
    """Delete every port of the server (unmapping their floating IPs); how many."""
    ports = list(
        session.scalars(
            sa.select(models.Port.uuid).where(models.Port.server_uuid == server_uuid)
        )
    )
    fip_db.unmap_ports(session, ports)
    result = session.execute(
        sa.delete(models.Port).where(models.Port.server_uuid == server_uuid)
    )
    return int(getattr(result, "rowcount", 0) or 0)
