"""``mogan manageable server list`` and ``mogan server manage`` (admin).

A manageable server is a node deployed outside Mogan (active, with no
instance). ``server manage`` adopts one as a server: the node is neither
redeployed nor rebooted. The server is ``adopting`` while the engine claims
the node and binds its networks; the command waits until it is active
(stopped when the node is powered off) unless ``--no-wait``. ``--node`` is
a UUID or a name (the API resolves both); ``--network`` names or UUIDs give
the node's NICs, in port order, an address each.
"""

import argparse
from typing import Any

from mogan_cli.commands import common, server_view, server_wait

POWER_OFF = "power off"
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Resource Class", "resource_class"),
    ("Power State", "power_state"),
    ("Provision State", "provision_state"),
)
LONG_COLUMNS = (
    ("Ports", "ports"),
    ("Image Source", "image_source"),
)


class ListManageableServer(common.Lister):
    """List the nodes deployed outside Mogan that may be adopted (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """``--long``."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--long",
            action="store_true",
            help="Also list the nodes' ports (MAC addresses) and image source",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list (the engine asks the driver)."""
        nodes = common.client(self).manageable_servers.list()
        shaped = [
            common.shape(
                {**node, "ports": [p["address"] for p in node.get("ports") or []]}
            )
            for node in nodes
        ]
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows(shaped, wanted)


class ManageServer(common.ShowOne):
    """Adopt a node deployed outside Mogan as a server (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The new server's name, the node and the optional extras."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New server name")
        parser.add_argument(
            "--node",
            metavar="<node>",
            required=True,
            help="Node to adopt (name or UUID; see 'manageable server list')",
        )
        parser.add_argument(
            "--project",
            metavar="<project-id>",
            help="Project the server belongs to (default: yours)",
        )
        parser.add_argument(
            "--network",
            metavar="<network>",
            dest="networks",
            action="append",
            default=[],
            help="Network to record the node's next NIC on, with an address "
            "(name or UUID; repeat for more NICs, in port order)",
        )
        parser.add_argument(
            "--description", metavar="<description>", help="Server description"
        )
        common.add_property_option(parser, "Metadata to set on the server (repeatable)")
        parser.add_argument(
            "--no-wait",
            dest="wait",
            action="store_false",
            help="Answer at once, while the server is still adopting",
        )
        parser.add_argument(
            "--timeout",
            metavar="<seconds>",
            type=float,
            default=server_wait.DEFAULT_TIMEOUT,
            help="Give up waiting after this many seconds "
            f"(default: {server_wait.DEFAULT_TIMEOUT:g})",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Resolve the networks, adopt, wait unless told not to, and show."""
        mogan = common.client(self)
        server = mogan.manageable_servers.manage(
            parsed_args.name,
            parsed_args.node,
            description=parsed_args.description,
            metadata=dict(parsed_args.properties),
            project_id=parsed_args.project,
            network_uuids=[
                mogan.networks.find(n)["uuid"] for n in parsed_args.networks
            ],
        )
        if parsed_args.wait:
            # NOTE: a node found powered off is adopted as a stopped server.
            target = "stopped" if server.get("power_state") == POWER_OFF else "active"
            [server] = server_wait.wait_all(self, [server], target, parsed_args.timeout)
        return server_view.show(mogan, server)
