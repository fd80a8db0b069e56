"""``mogan limits show`` and ``mogan quota show|set|delete`` (API 1.3).

Limits are what a project may hold and what it uses; quotas are the admin's
handle on a project's limits. ``-1`` means unlimited.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common

NAMED = (
    ("servers", "Servers of the project"),
    ("server_groups", "Server groups of the project"),
    ("server_group_members", "Servers per server group"),
    ("metadata_items", "Metadata items per server"),
    ("keypairs", "Keypairs per user"),
    ("floating_ips", "Floating IPs per project (embedded network backend)"),
)


class ShowLimits(common.Lister):
    """Show a project's limits and what it uses of them."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """An admin may name another project."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--project",
            metavar="<project>",
            help="Another project's limits (admin only; default: yours)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """One row per resource."""
        body = common.client(self).quotas.limits(parsed_args.project)
        rows = [
            (name, value["limit"], value.get("in_use"))
            for name, value in body["limits"].items()
        ]
        return ("Resource", "Limit", "In Use"), rows


class ShowQuota(common.ShowOne):
    """Show a project's quota (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The project."""
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>", help="Project ID")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Every limit of the project as a field."""
        quota = common.client(self).quotas.get(parsed_args.project)
        return tuple(quota), tuple(quota.values())


def _resource(text: str) -> tuple[str, int]:
    name, sep, value = text.partition("=")
    number = value.strip().removeprefix("-")
    if not sep or not name or not number.isdigit():
        msg = f"expected CLASS=N (N an integer, -1 for unlimited), got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return name, int(value)


class SetQuota(common.ShowOne):
    """Set some of a project's limits (admin); the others are unchanged."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One option per named limit, and --resource CLASS=N."""
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>", help="Project ID")
        for name, what in NAMED:
            parser.add_argument(
                f"--{name.replace('_', '-')}",
                dest=name,
                metavar="<n>",
                type=int,
                help=f"{what} (-1: unlimited)",
            )
        parser.add_argument(
            "--resource",
            metavar="<class=n>",
            type=_resource,
            action="append",
            default=[],
            help="Servers of a resource class, e.g. CUSTOM_BAREMETAL_GOLD=4 "
            "(repeat for several classes; -1: unlimited)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Send the limits given and show the quota after."""
        limits = {
            name: getattr(parsed_args, name)
            for name, _ in NAMED
            if getattr(parsed_args, name) is not None
        }
        limits.update(dict(parsed_args.resource))
        if not limits:
            msg = "give at least one limit to set (see --help)"
            raise exceptions.CommandError(msg)
        quota = common.client(self).quotas.update(parsed_args.project, limits)
        return tuple(quota), tuple(quota.values())


class DeleteQuota(command.Command):
    """Drop a project's own limits: the defaults apply again (admin)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The project."""
        parser = super().get_parser(prog_name)
        parser.add_argument("project", metavar="<project>", help="Project ID")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete the overrides."""
        common.client(self).quotas.delete(parsed_args.project)
