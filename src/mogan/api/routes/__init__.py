"""Route modules, one per resource; importing this package declares them all."""

from mogan.api.routes import (
    aggregate,
    availability_zone,
    flavor,
    image,
    keypair,
    network,
    node,
    openapi,
    root,
    server,
    server_group,
)

__all__ = [
    "aggregate",
    "availability_zone",
    "flavor",
    "image",
    "keypair",
    "network",
    "node",
    "openapi",
    "root",
    "server",
    "server_group",
]
