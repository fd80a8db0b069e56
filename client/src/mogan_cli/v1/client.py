"""The v1 library entry point: one object holding a manager per resource.

Example::

    from mogan_cli import http
    from mogan_cli.v1 import client

    mogan = client.Client(http.HTTPClient("http://127.0.0.1:6688"))
    for flavor in mogan.flavors.list():
        print(flavor["name"])
"""

from mogan_cli import http
from mogan_cli.v1 import (
    aggregate,
    availability_zone,
    composition,
    console,
    flavor,
    floating_ip,
    hardware_profile,
    image,
    keypair,
    manageable_server,
    network,
    node,
    quota,
    server,
    server_event,
    server_group,
    server_network,
)


class Client:
    """Managers for every v1 resource, sharing one HTTP client.

    Args:
        api: the (already authenticated) HTTP client.
    """

    def __init__(self, api: http.HTTPClient) -> None:
        """Build the managers over ``api``."""
        self.api = api
        self.flavors = flavor.FlavorManager(api)
        self.flavor_access = flavor.FlavorAccessManager(api)
        self.hardware_profiles = hardware_profile.HardwareProfileManager(api)
        self.hardware_profile_access = hardware_profile.HardwareProfileAccessManager(
            api
        )
        self.keypairs = keypair.KeypairManager(api)
        self.availability_zones = availability_zone.AvailabilityZoneManager(api)
        self.images = image.ImageManager(api)
        self.networks = network.NetworkManager(api)
        self.floating_ips = floating_ip.FloatingIpManager(api)
        self.servers = server.ServerManager(api)
        self.server_networks = server_network.ServerNetworkManager(api)
        self.nodes = node.NodeManager(api)
        self.composition_services = composition.CompositionServiceManager(api)
        self.aggregates = aggregate.AggregateManager(api)
        self.aggregate_nodes = aggregate.AggregateNodeManager(api)
        self.server_groups = server_group.ServerGroupManager(api)
        self.manageable_servers = manageable_server.ManageableServerManager(api)
        self.consoles = console.ConsoleManager(api)
        self.quotas = quota.QuotaManager(api)
        self.server_events = server_event.ServerEventManager(api)

    def close(self) -> None:
        """Release the HTTP client's connections."""
        self.api.close()
