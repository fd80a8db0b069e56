"""``mogan network ...``: flat networks of the embedded IPAM.

``--external`` makes a network of floating IPs (``floating ip create``).

A ``<network>`` argument is a UUID or a name; names are looked up in the
network list (see :meth:`mogan_cli.v1.network.NetworkManager.find`).
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli.commands import common
from mogan_cli.v1 import network as v1_network

FIELDS = (
    "uuid",
    "name",
    "cidr",
    "gateway",
    "shared",
    "external",
    "project_id",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("CIDR", "cidr"),
    ("Gateway", "gateway"),
    ("Shared", "shared"),
)
LONG_COLUMNS = (("Project", "project_id"), ("External", "external"))


class CreateNetwork(common.ShowOne):
    """Define a flat network (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Network name, CIDR, gateway and ownership."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New network name")
        parser.add_argument(
            "--cidr",
            metavar="<cidr>",
            required=True,
            help="IPv4 or IPv6 network, e.g. 10.0.0.0/24",
        )
        gateway = parser.add_mutually_exclusive_group()
        gateway.add_argument(
            "--gateway",
            metavar="<address>",
            help="Gateway inside the CIDR (default: its first host address)",
        )
        gateway.add_argument(
            "--no-gateway", action="store_true", help="The network has no gateway"
        )
        shared = parser.add_mutually_exclusive_group()
        shared.add_argument(
            "--share",
            dest="shared",
            action="store_const",
            const=True,
            default=True,
            help="Every project may use the network (default)",
        )
        shared.add_argument(
            "--no-share",
            dest="shared",
            action="store_const",
            const=False,
            help="Only the owner project may use the network (needs --project)",
        )
        parser.add_argument(
            "--project", metavar="<project>", help="Project that owns the network"
        )
        parser.add_argument(
            "--external",
            action="store_true",
            help="A network of floating IPs (allocated with 'floating ip create'), "
            "not of server ports (API version 1.8)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Define the network and show it."""
        gateway: object = parsed_args.gateway
        if parsed_args.no_gateway:
            gateway = v1_network.NO_GATEWAY
        network = common.client(self).networks.create(
            parsed_args.name,
            parsed_args.cidr,
            gateway=gateway,
            shared=parsed_args.shared,
            project_id=parsed_args.project,
            external=parsed_args.external,
        )
        return common.show(network, FIELDS)


class ListNetwork(common.Lister):
    """List networks."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """``--long`` and paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--long", action="store_true", help="Also list the owner project"
        )
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> networks"
        )
        parser.add_argument(
            "--marker", metavar="<network-uuid>", help="List networks after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        networks = common.client(self).networks.list(
            limit=parsed_args.limit, marker=parsed_args.marker
        )
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows(networks, wanted)


class ShowNetwork(common.ShowOne):
    """Show a network."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The network to show."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "network", metavar="<network>", help="Network to show (name or UUID)"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the network and show it."""
        found = common.client(self).networks.find(parsed_args.network)
        return common.show(found, FIELDS)


class DeleteNetwork(command.Command):
    """Delete networks (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more networks."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "networks",
            metavar="<network>",
            nargs="+",
            help="Network(s) to delete (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each network; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.networks.delete(mogan.networks.find(name)["uuid"])

        common.delete_each(self, "network", parsed_args.networks, delete)
