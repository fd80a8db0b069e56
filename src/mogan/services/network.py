"""Embedded flat networks: define, list, show and delete networks.

Admins see every network; other callers see shared networks and their
project's, and anything else is "not found" to them. Binding servers to
networks is the engine's job through ``mogan.network.get_backend``. An
``external`` network holds floating IPs (``mogan.services.floating_ip``)
instead of server ports.
"""

from collections.abc import Sequence
from typing import Any

from oslo_utils import uuidutils

from mogan import context as mogan_context
from mogan import exception
from mogan.db import models
from mogan.db.api import floating_ip as fip_db
from mogan.db.api import network as network_db
from mogan.network import ipam


def _visibility(ctx: mogan_context.RequestContext) -> dict[str, Any]:
    return {"visible_to": ctx.project_id, "all_visible": ctx.can_read_all}


def get(ctx: mogan_context.RequestContext, network_uuid: str) -> models.Network:
    """The network, as the caller may see it.

    Raises:
        NetworkNotFound: no such network or hidden from the caller.
    """
    with ctx.database.transaction() as session:
        return network_db.get(session, network_uuid, **_visibility(ctx))


def get_all(
    ctx: mogan_context.RequestContext,
    sort_key: str = "name",
    sort_dir: str = "asc",
    limit: int | None = None,
    marker: str | None = None,
) -> Sequence[models.Network]:
    """Networks the caller may see, one page of them.

    Raises:
        NetworkNotFound: the marker names no visible network.
    """
    with ctx.database.transaction() as session:
        marker_row = (
            network_db.get(session, marker, **_visibility(ctx)) if marker else None
        )
        return network_db.get_all(
            session,
            sort_key=sort_key,
            sort_dir=sort_dir,
            limit=limit,
            marker=marker_row,
            **_visibility(ctx),
        )


def create(ctx: mogan_context.RequestContext, values: dict[str, Any]) -> models.Network:
    """Define a network from validated values.

    ``cidr`` is stored in canonical form; a missing ``gateway`` key means
    the network's first host address, an explicit None means no gateway.

    Raises:
        InvalidParameter: the CIDR or gateway is unusable.
    """
    try:
        network = ipam.parse_cidr(values["cidr"])
    except ValueError as err:
        raise exception.InvalidParameter(field="cidr", reason=str(err)) from err
    if "gateway" not in values:
        gateway: str | None = str(ipam.default_gateway(network))
    elif values["gateway"] is None:
        gateway = None
    else:
        try:
            gateway = str(ipam.check_gateway(network, values["gateway"]))
        except ValueError as err:
            raise exception.InvalidParameter(field="gateway", reason=str(err)) from err
    values = {
        **values,
        "uuid": uuidutils.generate_uuid(),
        "cidr": str(network),
        "gateway": gateway,
    }
    with ctx.database.transaction() as session:
        return network_db.create(session, values)


def delete(ctx: mogan_context.RequestContext, network_uuid: str) -> None:
    """Delete a network that has no ports and no floating IPs.

    Raises:
        NetworkNotFound: no such network.
        Conflict: servers still have addresses on it, or projects hold
            floating IPs of it.
    """
    with ctx.database.transaction() as session:
        network = network_db.get(session, network_uuid)
        label = exception.labelled(network.name, network.uuid)
        ports = network_db.count_ports(session, network.uuid)
        if ports:
            raise exception.Conflict(
                reason=(
                    f"network {label} still has {ports} port(s); "
                    "delete the servers using it first"
                )
            )
        fips = fip_db.count_on_network(session, network.uuid)
        if fips:
            raise exception.Conflict(
                reason=(
                    f"network {label} still has {fips} floating IP(s); "
                    "release them first"
                )
            )
        network_db.destroy(session, network)
