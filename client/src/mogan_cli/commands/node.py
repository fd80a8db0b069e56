"""``mogan node list`` and ``mogan node show`` (admin).

A ``<node>`` argument is a UUID or a name; the API resolves both. The node
list needs microversion 1.2 (node objects rather than bare names). List
values (traits, aggregates) show through ``common.shape``. ``node show
--inventory`` shows the node's hardware instead (microversion 1.5): disks,
RAID controllers, NICs, the BIOS registry and firmware.
"""

import argparse
from typing import Any

from mogan_cli import exceptions
from mogan_cli.commands import common

FIELDS = (
    "uuid",
    "name",
    "driver",
    "resource_class",
    "traits",
    "aggregates",
    "availability_zone",
    "affinity_zone",
    "failure_domains",
    "power_state",
    "maintenance",
    "consumable",
    "why_not",
    "allocated",
    "server_uuid",
    "created_at",
    "updated_at",
)
INVENTORY_FIELDS = (
    "cpus",
    "cpu_arch",
    "memory_mb",
    "disks",
    "raid_controllers",
    "nics",
    "bios",
    "firmware",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Resource Class", "resource_class"),
    ("Availability Zone", "availability_zone"),
    ("Power State", "power_state"),
    ("Maintenance", "maintenance"),
    ("Consumable", "consumable"),
)
LONG_COLUMNS = (
    ("Driver", "driver"),
    ("Affinity Zone", "affinity_zone"),
    ("Failure Domains", "failure_domains"),
    ("Traits", "traits"),
    ("Aggregates", "aggregates"),
    ("Allocated", "allocated"),
    ("Server", "server_uuid"),
    ("Why Not", "why_not"),
)


class ListNode(common.Lister):
    """List nodes (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Filters, ``--long`` and paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--resource-class",
            metavar="<resource-class>",
            help="Only nodes of this resource class",
        )
        parser.add_argument(
            "--availability-zone",
            metavar="<zone>",
            help="Only nodes in this availability zone",
        )
        parser.add_argument(
            "--long",
            action="store_true",
            help="Also list driver, affinity zone, failure domains, traits, "
            "aggregates, allocation, server and why a node cannot take one",
        )
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> nodes"
        )
        parser.add_argument(
            "--marker", metavar="<node-uuid>", help="List nodes after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list (sends API version 1.2)."""
        nodes = common.client(self).nodes.list(
            resource_class=parsed_args.resource_class,
            availability_zone=parsed_args.availability_zone,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows([common.shape(n) for n in nodes], wanted)


class ShowNode(common.ShowOne):
    """Show a node (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The node to show."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "node", metavar="<node>", help="Node to show (name or UUID)"
        )
        parser.add_argument(
            "--inventory",
            action="store_true",
            help="Show the node's hardware: disks, RAID controllers, NICs, "
            "BIOS registry and firmware (API version 1.5 or later)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the node and show it (or its inventory)."""
        nodes = common.client(self).nodes
        if parsed_args.inventory:
            node = nodes.find(parsed_args.node, inventory=True)
            inventory = node.get("inventory")
            if inventory is None:
                raise exceptions.CommandError(
                    f"Node {node['name']} has no inventory yet (the engine has "
                    "not read it)."
                )
            return common.show(common.shape(dict(inventory)), INVENTORY_FIELDS)
        node = nodes.find(parsed_args.node)
        return common.show(common.shape(node), FIELDS)
