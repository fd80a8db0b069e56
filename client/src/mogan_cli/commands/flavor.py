"""``mogan flavor ...`` and ``mogan flavor access ...``.

A ``<flavor>`` argument is a UUID or a name; names are looked up in the
flavor list (see :meth:`mogan_cli.v1.flavor.FlavorManager.find`).
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common

FIELDS = (
    "uuid",
    "name",
    "description",
    "is_public",
    "disabled",
    "resources",
    "resource_traits",
    "resource_aggregates",
    "default_hardware_profile",
    "allowed_hardware_profiles",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Is Public", "is_public"),
    ("Description", "description"),
)
LONG_COLUMNS = (
    ("Disabled", "disabled"),
    ("Resources", "resources"),
    ("Resource Traits", "resource_traits"),
    ("Resource Aggregates", "resource_aggregates"),
)


def _flavor_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("flavor", metavar="<flavor>", help=help_text)


def _visibility(parser: argparse.ArgumentParser, default: bool | None) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--public",
        dest="is_public",
        action="store_const",
        const=True,
        default=default,
        help="Any project may use the flavor"
        + (" (default)" if default is True else ""),
    )
    group.add_argument(
        "--private",
        dest="is_public",
        action="store_const",
        const=False,
        help="Only projects on the flavor's access list may use it",
    )


class CreateFlavor(common.ShowOne):
    """Create a flavor."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Flavor name, resources and optional traits, aggregates and flags."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New flavor name")
        parser.add_argument(
            "--description", metavar="<description>", help="Flavor description"
        )
        _visibility(parser, default=True)
        parser.add_argument(
            "--disabled",
            action="store_true",
            help="Create the flavor disabled (no new servers may use it)",
        )
        parser.add_argument(
            "--resource",
            metavar="<resource-class>=<amount>",
            dest="resources",
            action="append",
            type=common.key_amount,
            required=True,
            help="Resource a node must offer, e.g. CUSTOM_BAREMETAL_GOLD=1 "
            "(repeat for several)",
        )
        parser.add_argument(
            "--resource-trait",
            metavar="<trait>=required|forbidden",
            dest="resource_traits",
            action="append",
            type=common.trait_requirement,
            default=[],
            help="Trait a node must have or must not have (repeatable; "
            "sends API version 1.1)",
        )
        parser.add_argument(
            "--resource-aggregate",
            metavar="<key>=<value>",
            dest="resource_aggregates",
            action="append",
            type=common.key_value,
            default=[],
            help="Aggregate metadata a node's aggregate must match (repeatable)",
        )
        parser.add_argument(
            "--default-hardware-profile",
            metavar="<profile>",
            help="Hardware profile servers get when they name none (sends API 1.5)",
        )
        parser.add_argument(
            "--allowed-hardware-profile",
            metavar="<profile>",
            dest="allowed_hardware_profiles",
            action="append",
            default=[],
            help="Hardware profile a server may name (repeatable; sends API 1.5)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Create the flavor and show it."""
        flavor = common.client(self).flavors.create(
            parsed_args.name,
            dict(parsed_args.resources),
            description=parsed_args.description,
            is_public=parsed_args.is_public,
            disabled=parsed_args.disabled,
            resource_traits=dict(parsed_args.resource_traits),
            resource_aggregates=dict(parsed_args.resource_aggregates),
            default_hardware_profile=parsed_args.default_hardware_profile,
            allowed_hardware_profiles=parsed_args.allowed_hardware_profiles,
        )
        return common.show(flavor, FIELDS)


class ListFlavor(common.Lister):
    """List flavors."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """``--long`` and paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--long",
            action="store_true",
            help="Also list disabled, resources, traits and aggregates (admin)",
        )
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> flavors"
        )
        parser.add_argument(
            "--marker",
            metavar="<flavor-uuid>",
            help="List flavors after this one (paging)",
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        flavors = common.client(self).flavors.list(
            limit=parsed_args.limit, marker=parsed_args.marker
        )
        wanted = LIST_COLUMNS + (LONG_COLUMNS if parsed_args.long else ())
        return common.rows(flavors, wanted)


class ShowFlavor(common.ShowOne):
    """Show a flavor."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The flavor to show."""
        parser = super().get_parser(prog_name)
        _flavor_argument(parser, "Flavor to show (name or UUID)")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Find the flavor and show it."""
        return common.show(common.client(self).flavors.find(parsed_args.flavor), FIELDS)


class SetFlavor(command.Command):
    """Set flavor properties, or share a private flavor with projects."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """What to change."""
        parser = super().get_parser(prog_name)
        _flavor_argument(parser, "Flavor to modify (name or UUID)")
        parser.add_argument("--name", metavar="<name>", help="New flavor name")
        parser.add_argument(
            "--description", metavar="<description>", help="New description"
        )
        _visibility(parser, default=None)
        enabled = parser.add_mutually_exclusive_group()
        enabled.add_argument(
            "--enable",
            dest="disabled",
            action="store_const",
            const=False,
            default=None,
            help="Let new servers use the flavor",
        )
        enabled.add_argument(
            "--disable",
            dest="disabled",
            action="store_const",
            const=True,
            help="Stop new servers from using the flavor",
        )
        parser.add_argument(
            "--project",
            metavar="<project>",
            dest="projects",
            action="append",
            default=[],
            help="Share the (private) flavor with this project (repeatable)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Patch the flavor, then add access for each project.

        Raises:
            CommandError: nothing to set was given.
        """
        changes = {
            field: getattr(parsed_args, field)
            for field in ("name", "description", "is_public", "disabled")
            if getattr(parsed_args, field) is not None
        }
        if not changes and not parsed_args.projects:
            raise exceptions.CommandError(
                "nothing to set: give --name, --description, --public, "
                "--private, --enable, --disable or --project"
            )
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        if changes:
            mogan.flavors.update(flavor["uuid"], **changes)
        for project in parsed_args.projects:
            mogan.flavor_access.add(flavor["uuid"], project)


class UnsetFlavor(command.Command):
    """Stop sharing a private flavor with projects."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The flavor and the projects to remove."""
        parser = super().get_parser(prog_name)
        _flavor_argument(parser, "Flavor to modify (name or UUID)")
        parser.add_argument(
            "--project",
            metavar="<project>",
            dest="projects",
            action="append",
            required=True,
            help="Remove this project from the access list (repeatable)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove each project's access."""
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        for project in parsed_args.projects:
            mogan.flavor_access.remove(flavor["uuid"], project)


class DeleteFlavor(command.Command):
    """Delete flavors."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more flavors."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "flavors",
            metavar="<flavor>",
            nargs="+",
            help="Flavor(s) to delete (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each flavor; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.flavors.delete(mogan.flavors.find(name)["uuid"])

        common.delete_each(self, "flavor", parsed_args.flavors, delete)


class _FlavorProjectCommand(command.Command):
    """A command taking a flavor and a project."""

    project_help = ""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The flavor and the project."""
        parser = super().get_parser(prog_name)
        _flavor_argument(parser, "Private flavor (name or UUID)")
        parser.add_argument("project", metavar="<project>", help=self.project_help)
        return parser


class AddFlavorAccess(_FlavorProjectCommand):
    """Share a private flavor with a project."""

    project_help = "Project to share the flavor with"

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Add the project to the access list."""
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        mogan.flavor_access.add(flavor["uuid"], parsed_args.project)


class RemoveFlavorAccess(_FlavorProjectCommand):
    """Stop sharing a private flavor with a project."""

    project_help = "Project to remove from the access list"

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove the project from the access list."""
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        mogan.flavor_access.remove(flavor["uuid"], parsed_args.project)


class ListFlavorAccess(common.Lister):
    """List the projects a private flavor is shared with."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The flavor."""
        parser = super().get_parser(prog_name)
        _flavor_argument(parser, "Private flavor (name or UUID)")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the access list."""
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        projects = mogan.flavor_access.list(flavor["uuid"])
        return ("Project ID",), [(p,) for p in projects]
