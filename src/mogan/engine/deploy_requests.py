"""What the driver is asked to put on a node: image, partitions, drive, NICs.

``deploy_request`` builds the ``DeployRequest`` of a build or a rebuild:
the image as the image backend gives it now (it must still be ``active``;
a Glance outage retries the step), the partitions, the config drive the
flow built, the server's NICs in the order of the node's ports, and the
hardware to apply.
"""

from typing import Any

from mogan import exception
from mogan.db.api import node as node_db
from mogan.db.api import server as server_db
from mogan.db.api import server_nic as nic_db
from mogan.drivers import base as driver_base
from mogan.drivers import capabilities as driver_caps
from mogan.engine import hardware as engine_hw
from mogan.engine import workflow

IMAGE_RETRY_SECONDS = 5.0
"""When to try again a step that found the image service unavailable."""


def deploy_request(
    ctx: workflow.StepContext,
    image_uuid: str,
    partitions: dict[str, Any],
    preserve_ephemeral: bool = False,
    hardware: driver_base.HardwareRequest | None = None,
) -> driver_base.DeployRequest:
    """What to put on the node: image, partitions, config drive, NICs, hardware.

    Raises:
        ImageNotFound: the image is gone.
        ImageUnusable: it is no longer active (deactivated since the request).
        Retry: the image service cannot answer now.
        DriverCannot: a hardware request for a driver without the hardware
            interface.
    """
    try:
        image = ctx.deps.image.get(ctx.request_context(), image_uuid)
    except exception.ImageServiceUnavailable as err:
        # NOTE: Glance down for a moment: the step is retried (a bounded
        # number of times), not failed, and no other node would help.
        raise workflow.Retry(err.message, IMAGE_RETRY_SECONDS) from err
    if image.status != "active":
        raise exception.ImageUnusable(
            image=exception.labelled(image.name, image.uuid),
            reason=f"its status is {image.status}",
        )
    request = driver_base.DeployRequest(
        server_uuid=ctx.server_uuid,
        image_url=image.url,
        glance_image_id=image.glance_id,
        image_checksum=image.checksum,
        disk_format=image.disk_format,
        kernel_url=image.kernel_url,
        ramdisk_url=image.ramdisk_url,
        partitions={k: int(v) for k, v in (partitions or {}).items()},
        config_drive=ctx.sealer.open_json(ctx.state.get("config_drive")),
        preserve_ephemeral=preserve_ephemeral,
        nics=_nics(ctx),
        hardware=hardware or driver_base.HardwareRequest(),
    )
    if request.hardware:
        driver_caps.require(
            ctx.deps.driver, driver_base.HardwareInterface, "configure hardware"
        )
    return request


def _nics(ctx: workflow.StepContext) -> tuple[driver_base.Nic, ...]:
    """The server's NICs in the order of the node's ports (binding order).

    A bonded network's VIF is on every member port, each NIC naming its bond
    (the bonds this build resolved, or for a rebuild those the build applied).
    """
    with ctx.deps.db.transaction(readonly=True) as session:
        server = server_db.find(session, ctx.server_uuid)
        found = engine_hw.bonds_of(ctx.state) or engine_hw.recorded_bonds(
            server.hardware_result if server else None
        )
        bonds = {b.links[0].lower(): b for b in found}
        rows = nic_db.get_all(session, ctx.server_uuid)
        node = node_db.find(session, ctx.state.get("node_uuid") or "")
        ports = [str(mac).lower() for mac in (node.ports if node else [])]
        nics: list[driver_base.Nic] = []
        for row in rows:
            bond = bonds.get(str(row.mac_address).lower())
            nics.extend(
                driver_base.Nic(
                    mac=mac,
                    port_id=row.port_id,
                    network_id=row.network_id,
                    fixed_ips=tuple(_fixed_ip(f) for f in row.fixed_ips or []),
                    bond=bond.name if bond else None,
                )
                for mac in (bond.links if bond else (row.mac_address,))
            )

    def order(nic: driver_base.Nic) -> tuple[int, str]:
        mac = nic.mac.lower()
        return (ports.index(mac) if mac in ports else len(ports), nic.port_id)

    return tuple(sorted(nics, key=order))


def _fixed_ip(fixed: dict[str, Any]) -> driver_base.FixedIp:
    """A NIC row's ``fixed_ips`` entry (see ``network.base.Nic``) as the driver's."""
    address = str(fixed.get("ip_address") or "")
    return driver_base.FixedIp(
        ip_address=address,
        version=int(fixed.get("version") or (6 if ":" in address else 4)),
        cidr=fixed.get("cidr"),
        netmask=fixed.get("netmask"),
        gateway=fixed.get("gateway"),
    )
