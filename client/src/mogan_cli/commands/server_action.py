"""``mogan server ...``: start, stop, reboot, lock, unlock, rebuild.

Each acts on servers that already exist; a ``<server>`` argument is a UUID
or a name, and ``--wait`` polls until the server settles (see
``server_wait``).

What must not live here: creating, listing, showing, changing or deleting
servers (``server``) and the shared argument and ``--wait`` helpers
(``server_wait``).
"""

import argparse

from cliff import command

from mogan_cli.commands import common, server_wait


class _PowerCommand(command.Command):
    """Change the power of servers; subclasses set the targets."""

    verb = "start"
    target = "on"
    soft_target: str | None = None
    settles_in = "active"

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more servers, ``--soft`` when supported, and whether to wait."""
        parser = super().get_parser(prog_name)
        if self.soft_target is not None:
            parser.add_argument(
                "--soft",
                action="store_true",
                help="Ask the operating system (ACPI) rather than cutting power",
            )
        server_wait.servers_argument(parser, "Server(s) (name or UUID)")
        server_wait.wait_options(parser, f"the servers are {self.settles_in}")
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Send the power request to each server, then wait if asked."""
        mogan = common.client(self)
        target = (
            self.soft_target
            if self.soft_target and getattr(parsed_args, "soft", False)
            else self.target
        )
        done = server_wait.each(
            self,
            self.verb,
            parsed_args.servers,
            lambda s: mogan.servers.set_power_state(s["uuid"], target),
            all_projects=parsed_args.all_projects,
        )
        if parsed_args.wait and done:
            server_wait.wait_all(self, done, self.settles_in, parsed_args.timeout)
        server_wait.check_all(self.verb, parsed_args.servers, done)


class StartServer(_PowerCommand):
    """Start (power on) servers."""

    target = "on"
    settles_in = "active"


class StopServer(_PowerCommand):
    """Stop (power off) servers."""

    verb = "stop"
    target = "off"
    soft_target = "soft_off"
    settles_in = "stopped"


class RebootServer(_PowerCommand):
    """Reboot servers."""

    verb = "reboot"
    target = "reboot"
    soft_target = "soft_reboot"
    settles_in = "active"


class _LockCommand(command.Command):
    """Lock or unlock servers; subclasses set ``locked``."""

    locked = True

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more servers."""
        parser = super().get_parser(prog_name)
        server_wait.servers_argument(parser, "Server(s) (name or UUID)")
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Send the lock state to each server."""
        mogan = common.client(self)
        verb = "lock" if self.locked else "unlock"
        done = server_wait.each(
            self,
            verb,
            parsed_args.servers,
            lambda s: mogan.servers.set_lock(s["uuid"], self.locked),
            all_projects=parsed_args.all_projects,
        )
        server_wait.check_all(verb, parsed_args.servers, done)


class LockServer(_LockCommand):
    """Lock servers: only admins may then change them."""

    locked = True


class UnlockServer(_LockCommand):
    """Unlock servers."""

    locked = False


class RebuildServer(command.Command):
    """Rebuild a server: redeploy its node, with another image if given."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The server, the image and whether to wait."""
        parser = super().get_parser(prog_name)
        server_wait.server_argument(parser, "Server to rebuild (name or UUID)")
        parser.add_argument(
            "--image",
            metavar="<image>",
            help="Image to deploy (name or UUID; default: the current one)",
        )
        parser.add_argument(
            "--preserve-ephemeral",
            action="store_true",
            help="Keep the ephemeral partition (partition images)",
        )
        server_wait.wait_options(parser, "the server is active again")
        server_wait.all_projects_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Ask for the rebuild, then wait if asked."""
        mogan = common.client(self)
        server = mogan.servers.find(
            parsed_args.server, all_projects=parsed_args.all_projects
        )
        image = mogan.images.find(parsed_args.image) if parsed_args.image else None
        mogan.servers.rebuild(
            server["uuid"],
            image_uuid=image["uuid"] if image else None,
            preserve_ephemeral=parsed_args.preserve_ephemeral,
        )
        if parsed_args.wait:
            server_wait.wait_all(self, [server], "active", parsed_args.timeout)
