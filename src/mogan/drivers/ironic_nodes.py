"""What Ironic's node documents mean to Mogan: states, consumability, images.

Pure functions and constants over the JSON Ironic returns (no HTTP): which
provision states are a deploy, a teardown or a failure, why a node cannot
take a server, a node as a ``NodeSpec`` or ``ManageableNode``, and the
``instance_info`` a deploy request becomes (v1 sections 2.5 and 5.5).
"""

from typing import Any

from mogan.drivers import base

AVAILABLE = "available"
ACTIVE = "active"
DEPLOY_FAILED = "deploy failed"
ERROR = "error"
CLEAN_FAILED = "clean failed"
# NOTE: a deploy or rebuild under way (``deploy hold`` waits for an operator;
# the engine's deploy timeout ends it).
DEPLOYING = frozenset({"deploying", "wait call-back", "deploy hold"})
TEARING_DOWN = frozenset({"deleting", "cleaning", "clean wait", "clean hold"})
FAILURE_STATES = frozenset(
    {DEPLOY_FAILED, ERROR, CLEAN_FAILED, "inspect failed", "rescue failed"}
)
POWER_STATES = frozenset({"power on", "power off"})
POWER_TARGETS = {
    "on": "power on",
    "off": "power off",
    "soft_off": "soft power off",
    "reboot": "rebooting",
    "soft_reboot": "soft rebooting",
}
# NOTE: what target_power_state reads while each action runs.
POWER_SETTLES_AT = {
    "on": "power on",
    "off": "power off",
    "soft_off": "power off",
    "reboot": "power on",
    "soft_reboot": "power on",
}
SERIAL_CONSOLES = frozenset({"socat", "shellinabox"})
# NOTE: the instance_info keys a deploy writes: ones a previous deploy left
# but this one does not send are removed (a whole-disk rebuild of a node
# deployed from a partition image must not keep its kernel).
IMAGE_KEYS = (
    "image_source",
    "image_checksum",
    "image_os_hash_algo",
    "image_os_hash_value",
    "image_disk_format",
    "image_type",
    "kernel",
    "ramdisk",
    "root_gb",
    "swap_mb",
    "ephemeral_gb",
    "capabilities",
    "preserve_ephemeral",
    "mogan_vifs",
)
NODE_FIELDS = (
    "uuid",
    "name",
    "resource_class",
    "traits",
    "properties",
    "power_state",
    "target_power_state",
    "provision_state",
    "target_provision_state",
    "maintenance",
    "maintenance_reason",
    "fault",
    "instance_uuid",
    "instance_info",
    "last_error",
    "extra",
)


def power_state(node: dict[str, Any]) -> str | None:
    """Ironic's power state if it is ``power on`` or ``power off``, else None."""
    state = node.get("power_state")
    return state if state in POWER_STATES else None


def why_not(node: dict[str, Any]) -> str | None:
    """Why the node cannot take a new server, or None when it can."""
    state, target = node.get("provision_state"), node.get("target_provision_state")
    maintenance = node.get("maintenance_reason") or node.get("fault") or "no reason"
    moving = f" (to {target})" if target else ""
    # NOTE: in order of what an operator should fix first.
    checks = (
        (node.get("maintenance"), f"in maintenance: {maintenance}"),
        (node.get("retired"), "retired"),
        (node.get("instance_uuid"), f"reserved for server {node.get('instance_uuid')}"),
        # NOTE: the key the hardware restore removes when it is done.
        ("mogan_hardware" in (node.get("extra") or {}), "its hardware is restoring"),
        (state != AVAILABLE or target, f"provision state is {state}{moving}"),
        (not node.get("resource_class"), "no resource class"),
        (
            power_state(node) is None,
            f"power state is unknown ({node.get('power_state')})",
        ),
    )
    return next((reason for failed, reason in checks if failed), None)


def to_spec(
    node: dict[str, Any],
    ports: tuple[str, ...],
    ports_version: str | None = None,
) -> base.NodeSpec:
    """An Ironic node as the engine sees it (``ports``: their addresses)."""
    reason = why_not(node)
    return base.NodeSpec(
        uuid=node["uuid"],
        name=node.get("name") or node["uuid"],
        resource_class=node.get("resource_class") or "",
        traits=tuple(sorted(node.get("traits") or ())),
        properties=dict(node.get("properties") or {}),
        ports=ports,
        ports_version=ports_version,
        power_state=power_state(node),
        maintenance=bool(node.get("maintenance")),
        instance_uuid=node.get("instance_uuid"),
        consumable=reason is None,
        why_not=reason,
    )


def manage_problem(node: dict[str, Any]) -> str | None:
    """Why an Ironic node cannot be adopted, or None when it can."""
    if node.get("provision_state") != ACTIVE:
        return f"provision state is {node.get('provision_state')}"
    if node.get("maintenance"):
        return "in maintenance"
    if node.get("instance_uuid"):
        return f"it already has instance {node['instance_uuid']}"
    if not node.get("resource_class"):
        return "no resource class"
    return None


def to_manageable(node: dict[str, Any], ports: tuple[str, ...]) -> base.ManageableNode:
    """An active Ironic node with no instance, as adoption lists it."""
    info = node.get("instance_info") or {}
    return base.ManageableNode(
        uuid=node["uuid"],
        name=node.get("name") or node["uuid"],
        resource_class=node.get("resource_class") or "",
        power_state=power_state(node),
        provision_state=node.get("provision_state") or ACTIVE,
        ports=ports,
        image_source=info.get("image_source"),
    )


def image_source(request: base.DeployRequest, use_glance: bool = True) -> str:
    """What goes in ``instance_info/image_source``.

    The Glance image id when the image comes from Glance and ``use_glance``
    (``[ironic] image_source = glance``): Ironic then reads the image, its
    checksums, kernel and ramdisk from Glance with its own credentials.
    Otherwise the URL, which needs none (for a Glance image, Mogan's
    temporary URL).
    """
    if use_glance and request.glance_image_id:
        return request.glance_image_id
    return request.image_url


def instance_info(
    request: base.DeployRequest, use_glance: bool = True
) -> dict[str, Any]:
    """The ``instance_info`` keys that describe the request's image (v1 2.5).

    A partition image (kernel and ramdisk) gets its partitions and local
    boot; a checksum ``algo:hex`` becomes Ironic's ``image_os_hash_*``. For
    an image Ironic reads from Glance (``image_source`` a Glance id) the
    image type, kernel and ramdisk are not sent: Ironic finds them in the
    image's properties (``kernel_id``, ``ramdisk_id``, ``img_type``) and
    records the type itself, as it does for Nova.
    """
    source = image_source(request, use_glance)
    from_glance = use_glance and bool(request.glance_image_id)
    info: dict[str, Any] = {
        "image_source": source,
        "image_disk_format": request.disk_format,
    }
    checksum = request.image_checksum
    if checksum:
        algo, sep, value = checksum.partition(":")
        if sep and algo.lower() in {"md5", "sha256", "sha512"}:
            info["image_os_hash_algo"] = algo.lower()
            info["image_os_hash_value"] = value
        else:
            info["image_checksum"] = checksum
    if request.kernel_url or request.ramdisk_url:
        if not from_glance:
            info["image_type"] = "partition"
            if request.kernel_url:
                info["kernel"] = request.kernel_url
            if request.ramdisk_url:
                info["ramdisk"] = request.ramdisk_url
        parts = request.partitions
        info["root_gb"] = str(parts.get("root_gb", 10))
        info["swap_mb"] = str(parts.get("swap_mb", 0))
        info["ephemeral_gb"] = str(parts.get("ephemeral_gb", 0))
        info["capabilities"] = {"boot_option": "local"}
    elif not from_glance:
        info["image_type"] = "whole-disk"
    attached = vifs(request)
    if attached:
        # NOTE: with Ironic's noop network interface (standalone) VIF attach
        # is accepted but not recorded; this keeps the record on the node.
        info["mogan_vifs"] = attached
    return info


def vifs(request: base.DeployRequest) -> list[str]:
    """The VIFs (network ports) to attach: the request's NICs', in order."""
    return [nic.port_id for nic in request.nics]


def image_patch(
    node: dict[str, Any], request: base.DeployRequest, use_glance: bool = True
) -> list[dict[str, Any]]:
    """The JSON patch describing the request's image on ``node``.

    Image keys a previous deploy left but this one does not send are
    removed (``preserve_ephemeral`` is the rebuild's to set).
    """
    info = instance_info(request, use_glance)
    current = node.get("instance_info") or {}
    patch = [
        {"op": "add", "path": f"/instance_info/{key}", "value": value}
        for key, value in info.items()
    ]
    patch += [
        {"op": "remove", "path": f"/instance_info/{key}"}
        for key in IMAGE_KEYS
        if key in current and key not in info and key != "preserve_ephemeral"
    ]
    return patch
