"""``mogan flavor ...`` and ``mogan flavor access ...``.

A ``<flavor>`` argument is a UUID or a name; names are looked up in the
flavor list (see :meth:`mogan_cli.v1.flavor.FlavorManager.find`).
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import access, common

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
    "composable",
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

SHARED = access.Shared(
    noun="flavor",
    find=lambda mogan, ref: mogan.flavors.find(ref),
    access=lambda mogan: mogan.flavor_access,
)


def _flavor_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("flavor", metavar="<flavor>", help=help_text)


def _hardware_profile_options(parser: argparse.ArgumentParser) -> None:
    """``flavor set``'s default and allowed hardware profiles, or clearing them."""
    default = parser.add_mutually_exclusive_group()
    default.add_argument(
        "--default-hardware-profile",
        metavar="<profile>",
        help="Hardware profile servers get when they name none (sends API 1.5)",
    )
    default.add_argument(
        "--no-default-hardware-profile",
        action="store_true",
        help="Servers that name no hardware profile get none (sends API 1.5)",
    )
    allowed = parser.add_mutually_exclusive_group()
    allowed.add_argument(
        "--allowed-hardware-profile",
        metavar="<profile>",
        dest="allowed_hardware_profiles",
        action="append",
        help="Hardware profile a server may name; the ones given replace the "
        "list (repeatable; sends API 1.5)",
    )
    allowed.add_argument(
        "--no-allowed-hardware-profiles",
        action="store_true",
        help="Servers may name any hardware profile they may see (sends API 1.5)",
    )


def _hardware_profile_changes(parsed_args: argparse.Namespace) -> dict[str, object]:
    """The hardware profile fields ``flavor set`` was asked to change."""
    changes: dict[str, object] = {}
    if parsed_args.no_default_hardware_profile:
        changes["default_hardware_profile"] = None
    elif parsed_args.default_hardware_profile is not None:
        changes["default_hardware_profile"] = parsed_args.default_hardware_profile
    if parsed_args.no_allowed_hardware_profiles:
        changes["allowed_hardware_profiles"] = []
    elif parsed_args.allowed_hardware_profiles is not None:
        changes["allowed_hardware_profiles"] = parsed_args.allowed_hardware_profiles
    return changes


class CreateFlavor(common.ShowOne):
    """Create a flavor."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Flavor name, resources and optional traits, aggregates and flags."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New flavor name")
        parser.add_argument(
            "--description", metavar="<description>", help="Flavor description"
        )
        access.visibility_options(parser, "flavor", default=True)
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
            help="Resource a node must offer, e.g. CUSTOM_BAREMETAL_GOLD=1, or an "
            "amount of a composable flavor, e.g. VCPU=16 "
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
        parser.add_argument(
            "--composable",
            action="store_true",
            help="Compose each server from resource blocks: the resources are "
            "amounts, e.g. VCPU=16 MEMORY_MB=65536 (sends API 1.8)",
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
            composable=parsed_args.composable,
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
        access.visibility_options(parser, "flavor", default=None)
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
        access.project_option(
            parser, "Share the (private) flavor with this project (repeatable)"
        )
        _hardware_profile_options(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Patch the flavor, then add access for each project.

        Raises:
            CommandError: nothing to set was given.
        """
        changes: dict[str, object] = {
            field: getattr(parsed_args, field)
            for field in ("name", "description", "is_public", "disabled")
            if getattr(parsed_args, field) is not None
        }
        changes.update(_hardware_profile_changes(parsed_args))
        if not changes and not parsed_args.projects:
            raise exceptions.CommandError(
                "nothing to set: give --name, --description, --public, "
                "--private, --enable, --disable, --project or a hardware "
                "profile option"
            )
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        if changes:
            mogan.flavors.update(flavor["uuid"], **changes)
        SHARED.share(mogan, flavor["uuid"], parsed_args.projects)


class UnsetFlavor(command.Command):
    """Stop sharing a private flavor with projects."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The flavor and the projects to remove."""
        parser = super().get_parser(prog_name)
        _flavor_argument(parser, "Flavor to modify (name or UUID)")
        access.project_option(
            parser,
            "Remove this project from the access list (repeatable)",
            required=True,
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove each project's access."""
        mogan = common.client(self)
        flavor = mogan.flavors.find(parsed_args.flavor)
        SHARED.unshare(mogan, flavor["uuid"], parsed_args.projects)


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


class AddFlavorAccess(access.AddAccess):
    """Share a private flavor with a project."""

    shared = SHARED


class RemoveFlavorAccess(access.RemoveAccess):
    """Stop sharing a private flavor with a project."""

    shared = SHARED


class ListFlavorAccess(access.ListAccess):
    """List the projects a private flavor is shared with."""

    shared = SHARED
