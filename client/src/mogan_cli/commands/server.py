"""``mogan server ...``: create, list, show, set, unset, delete.

A ``<server>`` argument is a UUID or a name; so are ``--flavor``,
``--image``, ``--network`` and ``--hint group=`` (see the managers'
``find``). Commands that start engine work answer at once; ``--wait`` polls
until the server settles (see ``server_wait``).

What must not live here: the power, lock and rebuild commands
(``server_action``), the shared argument and ``--wait`` helpers
(``server_wait``) and how a server is displayed (``server_view``).
"""

import argparse
import pathlib
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common, hardware_args, server_view, server_wait
from mogan_cli.v1 import base as v1_base
from mogan_cli.v1 import client as v1_client
from mogan_cli.v1 import server as v1_server

LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Status", "status"),
    ("Power State", "power_state"),
    ("Networks", "addresses"),
)
LONG_COLUMNS = (
    ("Flavor", "flavor_uuid"),
    ("Image", "image_uuid"),
    ("Availability Zone", "availability_zone"),
    ("Locked", "locked"),
    ("Properties", "metadata"),
    ("Project", "project_id"),
)
SCHEDULER_HINTS = ("group",)


BOND_KEYS = {
    "bond-mode": "mode",
    "bond-links": "links",
    "bond-miimon": "miimon",
    "bond-xmit-hash-policy": "xmit_hash_policy",
    "bond-lacp-rate": "lacp_rate",
    "bond-mtu": "mtu",
}
BOND_NUMBERS = frozenset({"links", "miimon", "mtu"})


NIC_KEYS = {
    "net-id": "net_id",
    "port-id": "port_id",
    "v4-fixed-ip": "fixed_ip",
    "v6-fixed-ip": "fixed_ip",
}


def nic(text: str) -> dict[str, Any]:
    """One ``--nic net-id=<network>[,v4-fixed-ip=<ip>,bond-...]|port-id=<port>``.

    Raises:
        ArgumentTypeError: not exactly one of net-id and port-id, an
            unknown key or a non-number count.
    """
    fields = hardware_args.pairs(text, {**NIC_KEYS, **BOND_KEYS}, ())
    if ("net_id" in fields) == ("port_id" in fields):
        msg = f"{text!r}: give exactly one of net-id and port-id"
        raise argparse.ArgumentTypeError(msg)
    bond: dict[str, Any] = {}
    for key, value in fields.items():
        if key in NIC_KEYS.values():
            continue
        if key in BOND_NUMBERS:
            try:
                bond[key] = int(value)
            except ValueError as err:
                msg = f"{text!r}: {value!r} is not a whole number"
                raise argparse.ArgumentTypeError(msg) from err
        else:
            bond[key] = value
    out: dict[str, Any] = {k: v for k, v in fields.items() if k in NIC_KEYS.values()}
    if bond:
        out["bond"] = bond
    return out


def _nic_item(mogan: v1_client.Client, nic: dict[str, Any]) -> dict[str, Any]:
    """A ``--nic`` as a ``networks[]`` item; a network name becomes its uuid.

    A uuid is sent as it is: with the Neutron backend it names a Neutron
    network, which Mogan's own network list does not hold.
    """
    item = {k: v for k, v in nic.items() if k != "bond"}
    net = item.get("net_id")
    if net is not None and not v1_base.is_uuid(net):
        item["net_id"] = mogan.networks.find(net)["uuid"]
    return item


def _hardware(parsed_args: argparse.Namespace) -> dict[str, Any] | None:
    """``server.hardware`` from the options, or None when none was given."""
    hardware = hardware_args.sections(parsed_args)
    if parsed_args.hardware_profile:
        hardware["profile"] = parsed_args.hardware_profile
    return hardware or None


class CreateServer(common.ShowOne):
    """Create a server (or several with --min/--max)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Name, flavor, image, networks and the optional extras."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New server name")
        parser.add_argument(
            "--flavor", metavar="<flavor>", required=True, help="Flavor (name or UUID)"
        )
        parser.add_argument(
            "--image", metavar="<image>", required=True, help="Image (name or UUID)"
        )
        parser.add_argument(
            "--network",
            metavar="<network>",
            dest="networks",
            action="append",
            default=[],
            help="Network to attach a NIC to (name or UUID; repeat for more NICs)",
        )
        parser.add_argument(
            "--nic",
            metavar="net-id=<network>[,v4-fixed-ip=<ip>,bond-mode=<mode>,...]",
            dest="nics",
            action="append",
            type=nic,
            default=[],
            help="NIC on a network (name or UUID), or port-id=<port> (your "
            "own Neutron port); v4-fixed-ip or v6-fixed-ip asks for an "
            "address (API version 1.8); optionally a bond of the node's "
            "NICs: bond-mode, bond-links, bond-miimon, "
            "bond-xmit-hash-policy, bond-lacp-rate, bond-mtu (repeatable; "
            "bonds send API version 1.5)",
        )
        parser.add_argument(
            "--hardware-profile",
            metavar="<profile>",
            help="Hardware profile to deploy with (name or UUID; API 1.5)",
        )
        hardware_args.add_options(parser)
        parser.add_argument("--key-name", metavar="<keypair>", help="Keypair to inject")
        parser.add_argument(
            "--user-data",
            metavar="<file>",
            type=pathlib.Path,
            help="File handed to the server as user data (cloud-init)",
        )
        common.add_property_option(parser, "Metadata to set on the server (repeatable)")
        parser.add_argument(
            "--description", metavar="<description>", help="Server description"
        )
        parser.add_argument(
            "--availability-zone", metavar="<zone>", help="Availability zone"
        )
        parser.add_argument(
            "--hint",
            metavar="<key>=<value>",
            dest="hints",
            action="append",
            type=common.key_value,
            default=[],
            help="Scheduler hint; group=<server-group> joins a server group "
            "(name or UUID) (repeatable)",
        )
        parser.add_argument(
            "--min",
            metavar="<count>",
            dest="min_count",
            type=int,
            default=1,
            help="Create at least this many servers or none (default: 1)",
        )
        parser.add_argument(
            "--max",
            metavar="<count>",
            dest="max_count",
            type=int,
            help="Create up to this many servers (named <name>-1 ... <name>-N)",
        )
        server_wait.wait_options(parser, "the server is active")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Resolve the names, create, optionally wait, and show the server.

        Raises:
            CommandError: an unknown hint or an unreadable user-data file.
        """
        hints = dict(parsed_args.hints)
        unknown = sorted(set(hints) - set(SCHEDULER_HINTS))
        if unknown:
            raise exceptions.CommandError(
                f"unknown scheduler hint {', '.join(unknown)}: "
                f"only {', '.join(SCHEDULER_HINTS)} is supported"
            )
        user_data = None
        if parsed_args.user_data is not None:
            try:
                user_data = parsed_args.user_data.read_bytes()
            except OSError as err:
                raise exceptions.CommandError(
                    f"cannot read user data {parsed_args.user_data}: {err.strerror}"
                ) from err
        if not parsed_args.networks and not parsed_args.nics:
            raise exceptions.CommandError("give at least one --network or --nic")
        mogan = common.client(self)
        group = (
            mogan.server_groups.find(hints["group"])["uuid"]
            if "group" in hints
            else None
        )
        count = max(parsed_args.max_count or 1, parsed_args.min_count)
        before = self._namesakes(mogan, parsed_args.name) if count > 1 else set()
        server = mogan.servers.create(
            parsed_args.name,
            mogan.flavors.find(parsed_args.flavor)["uuid"],
            mogan.images.find(parsed_args.image)["uuid"],
            [
                *(mogan.networks.find(n)["uuid"] for n in parsed_args.networks),
                *(_nic_item(mogan, n) for n in parsed_args.nics),
            ],
            description=parsed_args.description,
            availability_zone=parsed_args.availability_zone,
            metadata=dict(parsed_args.properties),
            user_data=user_data,
            key_name=parsed_args.key_name,
            min_count=parsed_args.min_count,
            max_count=parsed_args.max_count,
            group=group,
            hardware=_hardware(parsed_args),
            bonds={
                len(parsed_args.networks) + index: n["bond"]
                for index, n in enumerate(parsed_args.nics)
                if n.get("bond")
            },
        )
        if parsed_args.wait:
            created = [server]
            if count > 1:
                # NOTE: the API answers with the first server only; the
                # others are the name-N servers that were not there before.
                created = [
                    s
                    for s in mogan.servers.list(name=f"{parsed_args.name}-")
                    if s["uuid"] not in before
                    and s.get("name")
                    in {f"{parsed_args.name}-{i}" for i in range(1, count + 1)}
                ] or [server]
            settled = server_wait.wait_all(self, created, "active", parsed_args.timeout)
            server = next(
                (s for s in settled if s["uuid"] == server["uuid"]), settled[0]
            )
        return server_view.show(mogan, server)

    @staticmethod
    def _namesakes(mogan: v1_client.Client, name: str) -> set[str]:
        """UUIDs of the servers already named ``name-...``."""
        return {s["uuid"] for s in mogan.servers.list(name=f"{name}-")}


class ListServer(common.Lister):
    """List servers."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Filters, ``--long`` and paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--long",
            action="store_true",
            help="Also list flavor, image, zone, lock, properties and project",
        )
        parser.add_argument(
            "--all-projects",
            action="store_true",
            help="List the servers of every project (admin)",
        )
        parser.add_argument(
            "--name", metavar="<prefix>", help="Only servers whose name starts so"
        )
        parser.add_argument(
            "--status", metavar="<status>", help="Only servers in this status"
        )
        parser.add_argument(
            "--flavor", metavar="<flavor>", help="Only servers of this flavor"
        )
        parser.add_argument(
            "--image", metavar="<image>", help="Only servers with this image"
        )
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> servers"
        )
        parser.add_argument(
            "--marker", metavar="<server-uuid>", help="List servers after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor) if parsed_args.flavor else None
        image = mogan.images.find(parsed_args.image) if parsed_args.image else None
        servers = mogan.servers.list(
            name=parsed_args.name,
            status=parsed_args.status,
            flavor_uuid=flavor["uuid"] if flavor else None,
            image_uuid=image["uuid"] if image else None,
            all_projects=parsed_args.all_projects,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        names = server_view.network_names(mogan, servers)
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows([server_view.shape(s, names) for s in servers], wanted)


class ShowServer(common.ShowOne):
    """Show a server (and its fault when it is in error)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server to show."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server to show (name or UUID)")
        server_wait.all_projects_option(parser)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the server and show it."""
        mogan = common.client(self)
        server = mogan.servers.find(
            parsed_args.server, all_projects=parsed_args.all_projects
        )
        return server_view.show(mogan, server)


class SetServer(command.Command):
    """Set a server's name, description or properties."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """What to change."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server to modify (name or UUID)")
        parser.add_argument("--name", metavar="<name>", help="New server name")
        parser.add_argument(
            "--description", metavar="<description>", help="New description"
        )
        common.add_property_option(parser, "Metadata to add or change (repeatable)")
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Send one JSON patch with every change.

        Raises:
            CommandError: nothing to set was given.
        """
        if (
            parsed_args.name is None
            and parsed_args.description is None
            and not parsed_args.properties
        ):
            raise exceptions.CommandError(
                "nothing to set: give --name, --description or --property"
            )
        servers = common.client(self).servers
        server = servers.find(parsed_args.server, all_projects=parsed_args.all_projects)
        servers.update(
            server["uuid"],
            name=parsed_args.name,
            description=parsed_args.description,
            set_metadata=dict(parsed_args.properties),
        )


class UnsetServer(command.Command):
    """Remove server properties."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server and the keys to remove."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server to modify (name or UUID)")
        common.add_unset_property_option(parser)
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove the keys in one JSON patch."""
        servers = common.client(self).servers
        server = servers.find(parsed_args.server, all_projects=parsed_args.all_projects)
        servers.update(server["uuid"], unset_metadata=parsed_args.properties)


class DeleteServer(command.Command):
    """Delete servers."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more servers, and whether to wait."""
        parser = super().get_parser(prog_name)
        server_wait.servers_argument(parser, "Server(s) to delete (name or UUID)")
        server_wait.wait_options(parser, "the servers are gone")
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each server, then wait for the accepted ones if asked."""
        mogan = common.client(self)
        done = server_wait.each(
            self,
            "delete",
            parsed_args.servers,
            lambda s: mogan.servers.delete(s["uuid"]),
            all_projects=parsed_args.all_projects,
        )
        if parsed_args.wait and done:
            server_wait.wait_all(self, done, v1_server.GONE, parsed_args.timeout)
        server_wait.check_all("delete", parsed_args.servers, done)
