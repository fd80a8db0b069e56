"""Route modules, one per resource; importing this package declares them all."""

from mogan.api.routes import (
    availability_zone,
    flavor,
    image,
    keypair,
    network,
    openapi,
    root,
    server,
)

__all__ = [
    "availability_zone",
    "flavor",
    "image",
    "keypair",
    "network",
    "openapi",
    "root",
    "server",
]
