"""A server's floating IPs, interfaces and NICs from the command line.

``mogan server add|remove floating ip``, ``server add|remove network|port``
and ``server network list``.

v1's paths (``/v1/servers/{uuid}/networks``). A ``<server>`` is a name or
UUID, a ``<network>`` a name or UUID (a UUID is sent as it is: with the
Neutron backend, a Neutron network's); a ``<port>`` is a port UUID (the
server's, to remove it; the caller's own Neutron port, to add it).
``server remove network`` detaches every interface the server has on the
network. Adding and removing interfaces returns once the engine is done.

What must not live here: floating IPs themselves (``floating_ip``), the
server's other commands (``server``, ``server_action``).
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common, server_wait
from mogan_cli.v1 import base as v1_base

LIST_COLUMNS = (
    ("Port ID", "port_id"),
    ("Network ID", "network_id"),
    ("MAC Address", "mac_address"),
    ("Fixed IPs", "fixed_ips"),
    ("Floating IP", "floating_ip"),
)


def _server(cmd: command.Command, parsed_args: argparse.Namespace) -> dict[str, Any]:
    return common.client(cmd).servers.find(
        parsed_args.server, all_projects=parsed_args.all_projects
    )


def _server_parser(
    parser: argparse.ArgumentParser, help_text: str = "Server (name or UUID)"
) -> argparse.ArgumentParser:
    server_wait.server_argument(parser, help_text)
    server_wait.all_projects_option(parser)
    return parser


class _ServerAnd(command.Command):
    """A command on one server and one more thing (``ARG``), as a positional."""

    ARG = ""
    METAVAR = ""
    HELP = ""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server, then ``ARG``, then ``--all-projects``."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server (name or UUID)")
        parser.add_argument(self.ARG, metavar=self.METAVAR, help=self.HELP)
        server_wait.all_projects_option(parser)
        return parser


class _ServerAndFloatingIp(_ServerAnd):
    ARG, METAVAR, HELP = "ip_address", "<ip-address>", "Floating IP (IPv4 or IPv6)"


class _ServerAndNetwork(_ServerAnd):
    ARG, METAVAR, HELP = "network", "<network>", "Network (name or UUID)"


class _ServerAndPort(_ServerAnd):
    ARG, METAVAR, HELP = "port", "<port>", "Port (UUID)"


def _addresses(nic: dict[str, Any]) -> list[str]:
    return [str(ip.get("ip_address")) for ip in nic.get("fixed_ips") or []]


class ListServerNetwork(common.Lister):
    """List a server's NICs: port, network, MAC, fixed IPs and floating IP."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server."""
        return _server_parser(super().get_parser(prog_name))

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the NICs."""
        server = _server(self, parsed_args)
        nics = common.client(self).server_networks.list(server["uuid"])
        shown = [{**nic, "fixed_ips": _addresses(nic)} for nic in nics]
        return common.rows(shown, LIST_COLUMNS)


class AddFloatingIp(_ServerAndFloatingIp):
    """Associate a floating IP with a server."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server, the floating IP and optionally the fixed address."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--fixed-ip-address",
            metavar="<ip-address>",
            help="The server's fixed address to map it onto (default: the first "
            "NIC without a floating IP that has an address of its IP version)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Associate it."""
        server = _server(self, parsed_args)
        common.client(self).server_networks.add_floating_ip(
            server["uuid"], parsed_args.ip_address, parsed_args.fixed_ip_address
        )


class RemoveFloatingIp(_ServerAndFloatingIp):
    """Disassociate a floating IP from a server."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Disassociate it."""
        server = _server(self, parsed_args)
        common.client(self).server_networks.remove_floating_ip(
            server["uuid"], parsed_args.ip_address
        )


class AddNetwork(_ServerAndNetwork):
    """Attach an interface on a network to a server (a new port)."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Find both and attach.

        A network UUID goes to the API as it is: with the Neutron backend it
        is a Neutron network, which Mogan's own network list does not hold
        (the API checks it as the caller); a name is one of Mogan's.
        """
        mogan = common.client(self)
        server = _server(self, parsed_args)
        wanted = parsed_args.network
        if not v1_base.is_uuid(wanted):
            wanted = mogan.networks.find(wanted)["uuid"]
        mogan.server_networks.attach_interface(server["uuid"], net_id=wanted)


class AddPort(_ServerAndPort):
    """Attach your own port (Neutron) to a server as an interface."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Attach the port."""
        server = _server(self, parsed_args)
        common.client(self).server_networks.attach_interface(
            server["uuid"], port_id=parsed_args.port
        )


class RemovePort(_ServerAndPort):
    """Detach an interface (by its port) from a server."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Detach it (a port Mogan made is deleted; your own is left to you)."""
        server = _server(self, parsed_args)
        common.client(self).server_networks.detach_interface(
            server["uuid"], parsed_args.port
        )


class RemoveNetwork(_ServerAndNetwork):
    """Detach every interface a server has on a network."""

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Detach each of the server's ports on the network.

        Raises:
            CommandError: the server has no interface on it.
        """
        mogan = common.client(self)
        server = _server(self, parsed_args)
        wanted = parsed_args.network
        if not v1_base.is_uuid(wanted):
            wanted = mogan.networks.find(wanted)["uuid"]
        ports = [
            nic["port_id"]
            for nic in mogan.server_networks.list(server["uuid"])
            if nic.get("network_id") == wanted
        ]
        if not ports:
            raise exceptions.CommandError(
                f"Server {parsed_args.server} has no interface on network "
                f"{parsed_args.network}."
            )
        for port in ports:
            mogan.server_networks.detach_interface(server["uuid"], port)
