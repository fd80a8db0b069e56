"""``mogan node list|show|create|set|delete`` (admin).

A ``<node>`` argument is a UUID or a name; the API resolves both. The node
list needs microversion 1.2 (node objects rather than bare names). List
values (traits, aggregates) show through ``common.shape``. ``node show
--inventory`` shows the node's hardware instead (microversion 1.5): disks,
RAID controllers, NICs, the BIOS registry and firmware. ``create``,
``set`` and ``delete`` enrol, change and remove nodes (microversion 1.6);
the BMC password is read from ``--bmc-password`` or, better (shell history
keeps arguments), from the ``MOGAN_BMC_PASSWORD`` environment variable, and
is never printed.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common, credentials

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
    "driver_info",
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


CREDENTIALS = credentials.Credentials(
    prefix="bmc-",
    noun="BMC",
    password_env="MOGAN_BMC_PASSWORD",  # noqa: S106 - the variable's name
    address_help="BMC URL (https://bmc.example; fake://<name> for the fake driver)",
    access="BMC access",
    system_id_help="The system's path on the BMC (/redfish/v1/Systems/1)",
)


def _properties(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """``--property k=v`` values; whole numbers and booleans as such."""
    out: dict[str, Any] = {}
    for key, text in pairs:
        value: Any = text
        if text in {"true", "false"}:
            value = text == "true"
        elif text.lstrip("-").isdigit() and text.isascii():
            value = int(text)
        out[key] = value
    return out


class CreateNode(common.ShowOne):
    """Enrol a node into the engine's driver through its BMC (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Name, driver, class, traits, properties and BMC access."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New node name")
        parser.add_argument(
            "--driver",
            metavar="<driver>",
            required=True,
            help="The engine's driver ([engine] driver: redfish, fake ...)",
        )
        parser.add_argument(
            "--resource-class",
            metavar="<resource-class>",
            required=True,
            help="The node's resource class (baremetal-gold)",
        )
        parser.add_argument(
            "--trait",
            metavar="<trait>",
            dest="traits",
            action="append",
            default=[],
            help="A Placement trait of the node (repeatable)",
        )
        common.add_property_option(parser, "A node property (repeatable)")
        CREDENTIALS.add_options(parser, required=True)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Enrol the node and show it."""
        node = common.client(self).nodes.create(
            name=parsed_args.name,
            driver=parsed_args.driver,
            driver_info=CREDENTIALS.driver_info(parsed_args),
            resource_class=parsed_args.resource_class,
            traits=parsed_args.traits,
            properties=_properties(parsed_args.properties),
        )
        return common.show(common.shape(node), FIELDS)


class SetNode(common.ShowOne):
    """Change a node's name, class, traits, properties or BMC access (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """What to change."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "node", metavar="<node>", help="Node to change (name or UUID)"
        )
        parser.add_argument("--name", metavar="<name>", help="New node name")
        parser.add_argument(
            "--resource-class", metavar="<resource-class>", help="New resource class"
        )
        parser.add_argument(
            "--trait",
            metavar="<trait>",
            dest="traits",
            action="append",
            help="The node's traits, replacing them all (repeatable)",
        )
        parser.add_argument(
            "--no-trait", action="store_true", help="Remove every trait"
        )
        common.add_property_option(parser, "A property to add or change (repeatable)")
        CREDENTIALS.add_options(parser, required=False)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Send one JSON patch with every change; show the node.

        Raises:
            CommandError: nothing to set, or BMC options without address
                and user.
        """
        traits = [] if parsed_args.no_trait else parsed_args.traits
        driver_info = CREDENTIALS.changed(parsed_args)
        nodes = common.client(self).nodes
        node = nodes.find(parsed_args.node)
        try:
            changed = nodes.update(
                node["uuid"],
                name=parsed_args.name,
                resource_class=parsed_args.resource_class,
                traits=traits,
                set_properties=_properties(parsed_args.properties),
                driver_info=driver_info,
            )
        except ValueError as err:
            raise exceptions.CommandError(
                "nothing to set: give --name, --resource-class, --trait, "
                "--property or the --bmc-* options"
            ) from err
        return common.show(common.shape(changed), FIELDS)


class DeleteNode(command.Command):
    """Remove nodes carrying no server (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more nodes."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "nodes",
            metavar="<node>",
            nargs="+",
            help="Node(s) to remove (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove each node; report failures and fail at the end."""
        nodes = common.client(self).nodes

        def delete(name: str) -> None:
            nodes.delete(nodes.find(name)["uuid"])

        common.delete_each(self, "node", parsed_args.nodes, delete)
