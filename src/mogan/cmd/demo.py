"""The demo fleet: fake nodes in two resource classes and flavors for them.

Idempotent: running it again adds nothing that is already there.
"""

import contextlib
import dataclasses
import uuid

from mogan import context as mogan_context
from mogan import exception
from mogan.drivers import base, fake
from mogan.services import flavor as flavor_svc
from mogan.services import image as image_svc
from mogan.services import network as network_svc

DEMO_IMAGE = "ubuntu-24.04"
DEMO_NETWORK = "demo-net"

# NOTE: fixed UUIDs so a restarted demo recognises its own nodes.
_NAMESPACE = uuid.UUID("6f1c7c1e-5d7e-4c4b-9f0e-6d6f67616e00")


@dataclasses.dataclass(frozen=True)
class DemoClass:
    """One resource class of the demo fleet and its flavor."""

    resource_class: str
    count: int
    traits: tuple[str, ...]
    properties: dict[str, int]
    flavor: str
    description: str


CLASSES = (
    DemoClass(
        "baremetal-gold",
        4,
        ("CUSTOM_RAID10", "HW_CPU_X86_AVX2"),
        {"cpus": 64, "memory_mb": 524288, "local_gb": 1920},
        "bm.gold",
        "64 cores, 512 GiB RAM, 2 TB NVMe RAID10",
    ),
    DemoClass(
        "baremetal-silver",
        4,
        ("HW_CPU_X86_AVX2",),
        {"cpus": 16, "memory_mb": 131072, "local_gb": 480},
        "bm.silver",
        "16 cores, 128 GiB RAM, 480 GB SSD",
    ),
)


def resource_class_name(resource_class: str) -> str:
    """Placement's custom class for a node resource class (``CUSTOM_X``)."""
    return "CUSTOM_" + "".join(
        c if c.isalnum() else "_" for c in resource_class.upper()
    )


def demo_nodes() -> list[base.NodeSpec]:
    """The demo fleet."""
    nodes = []
    for number, spec in enumerate(CLASSES):
        short = spec.resource_class.removeprefix("baremetal-")
        for i in range(spec.count):
            name = f"{short}-{i:02d}"
            nodes.append(
                base.NodeSpec(
                    uuid=str(uuid.uuid5(_NAMESPACE, name)),
                    name=name,
                    resource_class=spec.resource_class,
                    traits=spec.traits,
                    properties=dict(spec.properties),
                    # NOTE: 2 or 4 NICs, so bonds have links to take.
                    ports=tuple(
                        f"52:54:00:{number:02x}:{i:02x}:{port:02x}"
                        for port in range(1, 3 + 2 * (i % 2))
                    ),
                )
            )
    return nodes


def enroll(ctx: mogan_context.RequestContext, state_path: str) -> tuple[int, list[str]]:
    """Enroll the demo fleet in the fake driver and create its flavors.

    Returns:
        How many nodes were newly enrolled, and the names of the demo flavors.
    """
    driver = fake.FakeDriver(state_path)
    added = sum(driver.enroll(node) for node in demo_nodes())
    for spec in CLASSES:
        with contextlib.suppress(exception.FlavorExists):
            flavor_svc.create(
                ctx,
                {
                    "name": spec.flavor,
                    "description": spec.description,
                    "resources": {resource_class_name(spec.resource_class): 1},
                    "resource_traits": {},
                    "resource_aggregates": {},
                    "is_public": True,
                    "disabled": False,
                },
            )
    if not any(i.name == DEMO_IMAGE for i in image_svc.get_all(ctx)):
        image_svc.create(
            ctx,
            {
                "name": DEMO_IMAGE,
                "url": "http://images.example/ubuntu-24.04.qcow2",
                "checksum": None,
                "disk_format": "qcow2",
                "visibility": "public",
                "min_disk": 0,
            },
        )
    if not any(n.name == DEMO_NETWORK for n in network_svc.get_all(ctx)):
        network_svc.create(
            ctx, {"name": DEMO_NETWORK, "cidr": "10.20.0.0/24", "shared": True}
        )
    return added, [spec.flavor for spec in CLASSES]
