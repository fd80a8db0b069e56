"""``mogan console url show`` and ``console log show``: a server's serial console.

``console log show`` prints the node's recent serial output (boot and
cloud-init lines) as it is, for scripts and eyes alike; it needs API
version 1.4, and a driver that keeps output (Ironic does not: 409).

The URL is the driver's (Mogan runs no console proxy). Without ``--type``
the node's serial console is shown, whatever its type (v1's client sent no
type then, which the API refused).
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli.commands import common, server_wait
from mogan_cli.v1 import console as v1_console

FIELDS = ("protocol", "type", "url")


class ShowConsoleUrl(common.ShowOne):
    """Show the URL of a server's serial console."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server and, optionally, the console type."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server (name or UUID)")
        parser.add_argument(
            "--type",
            metavar="<type>",
            dest="console_type",
            choices=v1_console.TYPES,
            help="Console type: shellinabox or socat (default: the node's "
            "serial console, whatever its type)",
        )
        server_wait.all_projects_option(parser)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the server and ask for its console."""
        mogan = common.client(self)
        server = mogan.servers.find(
            parsed_args.server, all_projects=parsed_args.all_projects
        )
        console = mogan.consoles.get(server["uuid"], parsed_args.console_type)
        return common.show(console, FIELDS)


class ShowConsoleLog(command.Command):
    """Print a server's recent serial console output."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server and, optionally, how many lines."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server (name or UUID)")
        parser.add_argument(
            "--lines",
            metavar="<n>",
            type=int,
            help="Only the last <n> lines (1 to 10000; default: all the driver keeps)",
        )
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Find the server and print its output."""
        mogan = common.client(self)
        server = mogan.servers.find(
            parsed_args.server, all_projects=parsed_args.all_projects
        )
        output = mogan.consoles.log(server["uuid"], parsed_args.lines)
        self.app.stdout.write(output)
        if output and not output.endswith("\n"):
            self.app.stdout.write("\n")
