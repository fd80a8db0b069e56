"""Route modules, one per resource; importing this package declares them all."""

from mogan.api.routes import (
    aggregate,
    availability_zone,
    console,
    flavor,
    hardware_profile,
    image,
    keypair,
    manageable_server,
    network,
    node,
    openapi,
    quota,
    root,
    server,
    server_action,
    server_group,
)

__all__ = [
    "aggregate",
    "availability_zone",
    "console",
    "flavor",
    "hardware_profile",
    "image",
    "keypair",
    "manageable_server",
    "network",
    "node",
    "openapi",
    "quota",
    "root",
    "server",
    "server_action",
    "server_group",
]
