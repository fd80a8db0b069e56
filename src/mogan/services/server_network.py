"""A server create's NICs: checked as the caller, and the port quota applied.

``check`` turns the request's ``networks`` into the build's entries after
the network backend checked them with the caller's identity (a tenant's
``port_id`` resolved to its network). ``fit_ports`` is v1's rule for the
backend's port quota: ``max_count`` shrinks to the servers whose new ports
fit, and fewer than ``min_count`` is a 403. Both run before the create's
transaction: they call the network service.

What must not live here: binding ports (the engine's ``bind_networks``).
"""

from typing import Any

from mogan import context as mogan_context
from mogan import exception
from mogan.network import base as network_base


def _port_request(net: dict[str, Any]) -> network_base.PortRequest:
    fixed_ip = net.get("fixed_ip")
    return network_base.PortRequest(
        network_id=str(net.get("net_id") or ""),
        port_id=net.get("port_id"),
        fixed_ips=(str(fixed_ip),) if fixed_ip else (),
        security_groups=tuple(net.get("security_groups") or ()),
    )


def _entry(request: network_base.PortRequest) -> dict[str, Any]:
    """A ``BuildArgs.networks`` entry (``engine.network_steps.port_request``)."""
    entry: dict[str, Any] = {"net_id": request.network_id}
    if request.port_id is not None:
        entry["port_id"] = request.port_id
    if request.fixed_ips:
        entry["fixed_ips"] = list(request.fixed_ips)
    if request.security_groups:
        entry["security_groups"] = list(request.security_groups)
    return entry


def check(
    ctx: mogan_context.RequestContext,
    networks: network_base.NetworkBackend,
    requested: list[dict[str, Any]],
    max_count: int,
) -> list[dict[str, Any]]:
    """The build's ``networks`` entries, checked by the backend as the caller.

    Raises:
        InvalidParameter: a fixed IP or a port for more than one server, or
            what the backend cannot do (names the field).
        NetworkNotFound, PortNotFound: not visible to the caller.
        PortInUse: a requested port is bound or has no address.
    """
    for index, net in enumerate(requested):
        if max_count > 1 and (net.get("fixed_ip") or net.get("port_id")):
            field = "fixed_ip" if net.get("fixed_ip") else "port_id"
            raise exception.InvalidParameter(
                field=f"networks[{index}].{field}",
                reason=(
                    f"a {field} serves one server; this request may create {max_count}"
                ),
            )
    resolved = networks.check_requests(ctx, [_port_request(n) for n in requested])
    return [_entry(request) for request in resolved]


def fit_ports(
    ctx: mogan_context.RequestContext,
    networks: network_base.NetworkBackend,
    project_id: str,
    entries: list[dict[str, Any]],
    *,
    min_count: int,
    max_count: int,
) -> int:
    """``max_count`` shrunk to the servers whose new ports fit the port quota.

    Each server needs a new port per network without a ``port_id``.

    Raises:
        OverQuota: fewer than ``min_count`` servers' ports fit.
    """
    per_server = sum(1 for entry in entries if "port_id" not in entry)
    if per_server == 0:
        return max_count
    room = networks.ports_that_fit(ctx, project_id)
    if room is None:
        return max_count
    fit = min(max_count, room // per_server)
    if fit < min_count:
        raise exception.OverQuota(
            message=(
                f"Quota exceeded for resources: ports. The network service "
                f"has room for {room} more port(s) in project {project_id}; "
                f"{min_count} server(s) need {per_server} each."
            ),
            resources="ports",
        )
    return fit
