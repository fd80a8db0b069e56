"""Manageable server bodies (v1 section 1.13, bugs fixed).

Fixed from v1: ``image_source`` is any string (a URL-deployed node broke
v1's listing, bug 11); a node may be named by uuid or name; an admin may
adopt into another project (``project_id``) and give networks to record
the node's addresses on. The answer to an adoption is the server itself.
"""

import pydantic

from mogan.api.schemas import common


class ManageablePort(common.Response):
    """A NIC of an adoptable node."""

    address: str = pydantic.Field(description="The NIC's MAC address.")


class ManageableServer(common.Response):
    """A node deployed outside Mogan that may be adopted as a server."""

    uuid: str
    name: str
    resource_class: str
    power_state: str | None = None
    provision_state: str
    ports: list[ManageablePort]
    image_source: str | None = pydantic.Field(
        default=None, description="What the node was deployed from, if known."
    )


class ManageableServerList(common.Response):
    """``GET /v1/manageable_servers``."""

    manageable_servers: list[ManageableServer]


class ManageNetwork(common.Request):
    """A network to record one of the node's NICs (in port order) on."""

    net_id: common.UUID


class ManageServer(common.Request):
    """``POST /v1/manageable_servers``: adopt a node as a server."""

    name: common.Name
    node_uuid: common.Name = pydantic.Field(
        description="The node to adopt, by uuid or name."
    )
    description: common.Description | None = None
    metadata: common.Metadata = pydantic.Field(default_factory=dict)
    project_id: common.ProjectId | None = pydantic.Field(
        default=None,
        description="The project the server will belong to (default: the caller's).",
    )
    networks: list[ManageNetwork] = pydantic.Field(
        default_factory=list,
        max_length=common.MAX_NETWORKS,
        description=(
            "Networks for the node's NICs, in port order; each gets an address."
        ),
    )
