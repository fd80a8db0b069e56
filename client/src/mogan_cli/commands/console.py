"""``mogan console url show``: where a server's serial console is.

The URL is the driver's (Mogan runs no console proxy). Without ``--type``
the node's serial console is shown, whatever its type (v1's client sent no
type then, which the API refused).
"""

import argparse
from typing import Any

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
