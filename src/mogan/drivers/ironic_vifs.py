"""VIFs of an Ironic node: attached for a deploy, detached at teardown.

One VIF at a time too (``attach_one``/``detach_one``): interface attach
and detach on a deployed node.

The VIFs attached are the deploy request's NICs (``DeployRequest.nics``,
through ``ironic_nodes.vifs``), not read back out of the config drive (a
fix over v1). Both calls are idempotent: a VIF attached already, or
detached meanwhile, is what was wanted.

What must not live here: when they are called (``ironic``), HTTP and
retries (``ironic_client``).
"""

from mogan.drivers import base, ironic_client
from mogan.drivers import ironic_nodes as nodes


def attach(
    client: ironic_client.IronicClient, node_uuid: str, request: base.DeployRequest
) -> None:
    """``POST /v1/nodes/{uuid}/vifs`` for each of the request's NICs.

    Raises:
        NodeLocked, NodeNotFound: as Ironic answered.
        DriverError: Ironic refused a VIF for another reason.
    """
    for vif in nodes.vifs(request):
        try:
            client.request(
                "POST",
                f"/v1/nodes/{node_uuid}/vifs",
                {"id": vif},
                ok=(204,),
                node=node_uuid,
            )
        except (base.NodeLocked, base.NodeNotFound):
            raise
        except base.DriverError as err:
            if "already attached" not in err.message:
                raise


def detach(client: ironic_client.IronicClient, node_uuid: str) -> None:
    """Detach every VIF the node has.

    Raises:
        NodeLocked, NodeNotFound: as Ironic answered.
    """
    listed = client.request("GET", f"/v1/nodes/{node_uuid}/vifs", node=node_uuid)
    for vif in listed.get("vifs") or []:
        try:
            client.request(
                "DELETE",
                f"/v1/nodes/{node_uuid}/vifs/{vif['id']}",
                ok=(204,),
                node=node_uuid,
            )
        except (base.NodeLocked, base.NodeNotFound):
            raise
        except base.DriverError:
            # NOTE: a VIF detached meanwhile is what was wanted.
            continue


def _attached(client: ironic_client.IronicClient, node_uuid: str) -> set[str]:
    listed = client.request("GET", f"/v1/nodes/{node_uuid}/vifs", node=node_uuid)
    return {str(vif["id"]) for vif in listed.get("vifs") or []}


def attach_one(
    client: ironic_client.IronicClient, node_uuid: str, port_id: str
) -> None:
    """Attach one VIF to a deployed node (interface attach); attached: no-op.

    Ironic picks the node's free port for it (as for a deploy's VIFs).

    Raises:
        NodeLocked, NodeNotFound: as Ironic answered.
        DriverError: Ironic refused (no free port, a binding failure ...).
    """
    if port_id in _attached(client, node_uuid):
        return
    client.request(
        "POST",
        f"/v1/nodes/{node_uuid}/vifs",
        {"id": port_id},
        ok=(204,),
        node=node_uuid,
    )


def detach_one(
    client: ironic_client.IronicClient, node_uuid: str, port_id: str
) -> None:
    """Detach one VIF (interface detach); one not attached is left alone.

    Raises:
        NodeLocked, NodeNotFound: as Ironic answered.
        DriverError: Ironic refused.
    """
    if port_id not in _attached(client, node_uuid):
        return
    client.request(
        "DELETE", f"/v1/nodes/{node_uuid}/vifs/{port_id}", ok=(204,), node=node_uuid
    )
