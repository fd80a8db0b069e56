"""``mogan floating ip ...``: floating IPs of Mogan's embedded network backend.

Members allocate a floating IP from an external network (``floating ip
create <network>``), associate it with a server (``server add floating
ip``), and release it (``floating ip delete``). A ``<floating-ip>`` is a
UUID or an address. Needs API version 1.8 (sent by these commands). With
Neutron, floating IPs are Neutron's: use its client instead.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli.commands import common

FIELDS = (
    "uuid",
    "address",
    "network_id",
    "project_id",
    "port_id",
    "fixed_address",
    "server_uuid",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Address", "address"),
    ("Fixed Address", "fixed_address"),
    ("Server", "server_uuid"),
)
LONG_COLUMNS = (
    ("Network", "network_id"),
    ("Port", "port_id"),
    ("Project", "project_id"),
)


class CreateFloatingIp(common.ShowOne):
    """Allocate a floating IP of an external network for your project."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The external network."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "network", metavar="<network>", help="External network (name or UUID)"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Allocate it and show it."""
        mogan = common.client(self)
        network = mogan.networks.find(parsed_args.network)
        return common.show(mogan.floating_ips.create(network["uuid"]), FIELDS)


class ListFloatingIp(common.Lister):
    """List floating IPs."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Filters, ``--long`` and paging."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--network", metavar="<network>", help="Only those of this network"
        )
        parser.add_argument(
            "--all-projects",
            action="store_true",
            help="Every project's (admins and cloud readers)",
        )
        parser.add_argument(
            "--long", action="store_true", help="Also list network, port and project"
        )
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> floating IPs"
        )
        parser.add_argument(
            "--marker", metavar="<uuid>", help="List floating IPs after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        mogan = common.client(self)
        network = (
            mogan.networks.find(parsed_args.network)["uuid"]
            if parsed_args.network
            else None
        )
        fips = mogan.floating_ips.list(
            network_uuid=network,
            all_projects=parsed_args.all_projects,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows(fips, wanted)


class ShowFloatingIp(common.ShowOne):
    """Show a floating IP."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The floating IP."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "floating_ip", metavar="<floating-ip>", help="Floating IP (UUID or address)"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find it and show it."""
        found = common.client(self).floating_ips.find(parsed_args.floating_ip)
        return common.show(found, FIELDS)


class DeleteFloatingIp(command.Command):
    """Release floating IPs (they must not be associated with a server)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more floating IPs."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "floating_ips",
            metavar="<floating-ip>",
            nargs="+",
            help="Floating IP(s) to release (UUID or address)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Release each; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.floating_ips.delete(mogan.floating_ips.find(name)["uuid"])

        common.delete_each(self, "floating IP", parsed_args.floating_ips, delete)
