"""``mogan server group ...``: create, list, show, delete.

A ``<server-group>`` argument is a UUID or a name; names are looked up in
the caller's group list (see :meth:`mogan_cli.v1.base.CollectionManager.find`).
Reads ask for microversion 1.2 (rules and member domains) unless
``--os-compute-api-version`` says otherwise; ``--scope`` and
``--max-per-domain`` need it.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli.commands import common
from mogan_cli.v1 import server_group as v1_server_group

FIELDS = (
    "uuid",
    "name",
    "policies",
    "rules",
    "members",
    "member_domains",
    "project_id",
    "user_id",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Policies", "policies"),
    ("Members", "members"),
)
LONG_COLUMNS = (
    ("Rules", "rules"),
    ("Project", "project_id"),
    ("User", "user_id"),
)


class CreateServerGroup(common.ShowOne):
    """Create a server group."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Group name, policy and the optional rules."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New server group name")
        parser.add_argument(
            "--policy",
            metavar="<policy>",
            choices=v1_server_group.POLICIES,
            required=True,
            help=f"Placement policy: one of {', '.join(v1_server_group.POLICIES)}",
        )
        parser.add_argument(
            "--scope",
            metavar="<level>",
            help="Failure-domain level the policy applies at, e.g. rack, or "
            "chassis or composition_zone for composed servers (default: "
            "affinity_zone; sends API version 1.2, 1.8 for the composed levels)",
        )
        parser.add_argument(
            "--max-per-domain",
            metavar="<n>",
            type=int,
            help="Members allowed in one domain, anti-affinity policies only "
            "(default: 1; sends API version 1.2)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Create the group and show it."""
        group = common.client(self).server_groups.create(
            parsed_args.name,
            parsed_args.policy,
            scope=parsed_args.scope,
            max_per_domain=parsed_args.max_per_domain,
        )
        return common.show(common.shape(group), FIELDS)


class ListServerGroup(common.Lister):
    """List server groups."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """``--long`` and ``--all-projects``."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--long", action="store_true", help="Also list rules, project and user"
        )
        parser.add_argument(
            "--all-projects",
            action="store_true",
            help="List the server groups of every project (admin)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        groups = common.client(self).server_groups.list(
            all_projects=parsed_args.all_projects
        )
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows([common.shape(g) for g in groups], wanted)


class ShowServerGroup(common.ShowOne):
    """Show a server group (and the domain each member is in)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The group to show."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "group",
            metavar="<server-group>",
            help="Server group to show (name or UUID)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the group and show it."""
        group = common.client(self).server_groups.find(parsed_args.group)
        return common.show(common.shape(group), FIELDS)


class DeleteServerGroup(command.Command):
    """Delete server groups (their servers are not touched)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more groups."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "groups",
            metavar="<server-group>",
            nargs="+",
            help="Server group(s) to delete (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each group; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.server_groups.delete(mogan.server_groups.find(name)["uuid"])

        common.delete_each(self, "server group", parsed_args.groups, delete)
