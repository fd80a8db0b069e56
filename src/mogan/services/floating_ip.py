"""Floating IPs of the embedded network backend: allocate, list, show, release.

The smallest flow that makes ``server add floating ip`` work without
Neutron: an admin marks a network ``external`` when defining it; a project
member allocates a floating IP from it for their project (the lowest free
address of its CIDR, gateway excluded; the ``floating_ips`` quota applies);
the address is then associated with a server through the v1 path
(``mogan.services.server_floating_ip``) and released when no longer wanted.
With Neutron, floating IPs are allocated in Neutron instead and these calls
are not used.

Callers see their project's floating IPs; cloud readers see every
project's. Another project's floating IP is "not found".

What must not live here: who may call (the routes' policy checks) and
mapping floating IPs onto ports (the network backend's).
"""

import dataclasses
import datetime

from oslo_utils import uuidutils
from sqlalchemy import orm

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import floating_ip as fip_db
from mogan.db.api import network as network_db
from mogan.network import ipam
from mogan.services import quota as quota_svc


@dataclasses.dataclass(frozen=True)
class View:
    """A floating IP with the server whose port it is mapped onto."""

    uuid: str
    address: str
    network_uuid: str
    project_id: str
    port_uuid: str | None
    fixed_address: str | None
    server_uuid: str | None
    created_at: datetime.datetime
    updated_at: datetime.datetime | None


def _views(session: orm.Session, rows: list[models.FloatingIp]) -> list[View]:
    servers = network_db.servers_of(
        session, [row.port_uuid for row in rows if row.port_uuid]
    )
    return [
        View(
            uuid=row.uuid,
            address=row.address,
            network_uuid=row.network_uuid,
            project_id=row.project_id,
            port_uuid=row.port_uuid,
            fixed_address=row.fixed_address,
            server_uuid=servers.get(row.port_uuid) if row.port_uuid else None,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
        for row in rows
    ]


def _owner(ctx: mogan_context.RequestContext, all_projects: bool = True) -> str | None:
    """The project whose floating IPs the caller sees (None: every project)."""
    return ctx.project_filter(all_projects=all_projects)


def allocate(
    ctx: mogan_context.RequestContext,
    limits: quota_svc.LimitSource,
    network_uuid: str,
) -> View:
    """Allocate the lowest free address of an external network to the caller.

    Raises:
        ProjectScopeRequired: the caller has no project to own it.
        NetworkNotFound: no such network, or not visible to the caller.
        InvalidParameter: the network is not external (``network_uuid``).
        OverQuota: the project holds as many floating IPs as it may.
        NetworkFull: every address of the network is allocated.
    """
    project_id = ctx.require_project("Allocating floating IPs")
    effective = limits.limits(ctx.database, project_id)
    quota_svc.prepare_locks(ctx.database, (quota_svc.FLOATING_IPS, project_id))
    with ctx.database.transaction() as session:
        network = network_db.get(
            session,
            network_uuid,
            visible_to=project_id,
            all_visible=ctx.can_read_all,
        )
        label = exception.labelled(network.name, network.uuid)
        if not network.external:
            raise exception.InvalidParameter(
                field="network_uuid",
                reason=f"network {label} is not external: it holds no floating IPs",
            )
        quota_svc.check_floating_ip(session, effective, project_id)
        parsed = ipam.parse_cidr(network.cidr)
        taken = fip_db.taken_addresses(session, network.uuid)
        for address in ipam.candidates(parsed, network.gateway, taken):
            row = fip_db.add(
                session,
                {
                    "uuid": uuidutils.generate_uuid(),
                    "network_uuid": network.uuid,
                    "address": str(address),
                    "project_id": project_id,
                },
            )
            if row is not None:
                session.flush()
                return _views(session, [row])[0]
            # NOTE: another transaction took this address first; make sure
            # the network itself was not deleted under us, then go on.
            network_db.get(session, network.uuid)
        raise exception.NetworkFull(network=label, cidr=network.cidr)


def get(ctx: mogan_context.RequestContext, fip_uuid: str) -> View:
    """One floating IP the caller may see.

    Raises:
        FloatingIpNotFound: no such floating IP, or another project's.
    """
    with ctx.database.transaction(readonly=True) as session:
        row = fip_db.get(session, fip_uuid, project_id=_owner(ctx))
        return _views(session, [row])[0]


def get_all(
    ctx: mogan_context.RequestContext,
    *,
    all_projects: bool = False,
    network_uuid: str | None = None,
    sort_key: str = "address",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: str | None = None,
) -> list[View]:
    """One page of the floating IPs the caller sees (their project's by default).

    Raises:
        FloatingIpNotFound: the marker names none the caller sees.
    """
    owner = _owner(ctx, all_projects)
    with ctx.database.transaction(readonly=True) as session:
        marker_row = fip_db.get(session, marker, project_id=owner) if marker else None
        rows = fip_db.get_all(
            session,
            project_id=owner,
            network_uuid=network_uuid,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=limit,
            marker=marker_row,
        )
        return _views(session, list(rows))


def release(ctx: mogan_context.RequestContext, fip_uuid: str) -> None:
    """Give a floating IP back to its network's pool.

    Raises:
        FloatingIpNotFound: no such floating IP, or another project's.
        Conflict: it is still associated with a server (remove it first).
    """
    with ctx.database.transaction() as session:
        row = fip_db.get(session, fip_uuid, project_id=_owner(ctx))
        if row.port_uuid is not None:
            port = network_db.find_port(session, row.port_uuid)
            server = port.server_uuid if port else None
            raise exception.Conflict(
                reason=(
                    f"floating IP {row.address} is associated with server "
                    f"{server}; remove it from the server first"
                )
            )
        fip_db.destroy(session, row)
