"""``mogan hardware profile create|list|show|set|unset|delete|access ...`` (API 1.5).

A ``<profile>`` argument is a UUID or a name; the API looks up either. The
sections are given with the options of ``hardware_args``.
"""

import argparse
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import access, common, hardware_args

FIELDS = (
    "uuid",
    "name",
    "description",
    "is_public",
    "raid",
    "partitions",
    "bios",
    "firmware",
    "traits",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (
    ("UUID", "uuid"),
    ("Name", "name"),
    ("Is Public", "is_public"),
    ("Traits", "traits"),
    ("Description", "description"),
)
SHARED = access.Shared(
    noun="profile",
    find=lambda mogan, ref: mogan.hardware_profiles.find(ref),
    access=lambda mogan: mogan.hardware_profile_access,
)


def _profile_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("profile", metavar="<profile>", help=help_text)


def _common_options(
    parser: argparse.ArgumentParser, *, default_public: bool | None
) -> None:
    parser.add_argument("--description", metavar="<description>", help="Description")
    access.visibility_options(parser, "profile", default=default_public)
    parser.add_argument(
        "--trait",
        metavar="<trait>",
        dest="traits",
        action="append",
        default=None,
        help="Trait a node must have for the profile (repeatable)",
    )
    hardware_args.add_options(parser)


class CreateHardwareProfile(common.ShowOne):
    """Create a hardware profile."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Name, sections, traits and visibility."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New profile name")
        _common_options(parser, default_public=True)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Create the profile and show it."""
        profile = common.client(self).hardware_profiles.create(
            parsed_args.name,
            description=parsed_args.description,
            is_public=parsed_args.is_public,
            traits=parsed_args.traits,
            **hardware_args.sections(parsed_args),
        )
        return common.show(profile, FIELDS)


class ListHardwareProfile(common.Lister):
    """List hardware profiles."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Paging options."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> profiles"
        )
        parser.add_argument(
            "--marker", metavar="<profile>", help="List profiles after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        profiles = common.client(self).hardware_profiles.list(
            limit=parsed_args.limit, marker=parsed_args.marker
        )
        return common.rows(profiles, LIST_COLUMNS)


class ShowHardwareProfile(common.ShowOne):
    """Show a hardware profile."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The profile to show."""
        parser = super().get_parser(prog_name)
        _profile_argument(parser, "Profile to show (name or UUID)")
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Show the profile."""
        profile = common.client(self).hardware_profiles.find(parsed_args.profile)
        return common.show(profile, FIELDS)


class SetHardwareProfile(command.Command):
    """Change a hardware profile (a section given replaces it), or share it."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """What to change."""
        parser = super().get_parser(prog_name)
        _profile_argument(parser, "Profile to modify (name or UUID)")
        parser.add_argument("--name", metavar="<name>", help="New profile name")
        _common_options(parser, default_public=None)
        access.project_option(
            parser, "Share the (private) profile with this project (repeatable)"
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Patch the profile, then add access for each project.

        Raises:
            CommandError: nothing to set was given.
        """
        changes: dict[str, Any] = {
            field: getattr(parsed_args, field)
            for field in ("name", "description", "is_public", "traits")
            if getattr(parsed_args, field) is not None
        }
        changes.update(hardware_args.sections(parsed_args))
        if not changes and not parsed_args.projects:
            raise exceptions.CommandError(
                "nothing to set: give --name, --description, --public, --private, "
                "--trait, a hardware section or --project"
            )
        mogan = common.client(self)
        profile = mogan.hardware_profiles.find(parsed_args.profile)
        if changes:
            mogan.hardware_profiles.update(profile["uuid"], **changes)
        SHARED.share(mogan, profile["uuid"], parsed_args.projects)


class UnsetHardwareProfile(command.Command):
    """Remove sections from a profile, or stop sharing it with projects."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """The profile, the sections and the projects to remove."""
        parser = super().get_parser(prog_name)
        _profile_argument(parser, "Profile to modify (name or UUID)")
        parser.add_argument(
            "--section",
            dest="sections",
            action="append",
            choices=("raid", "partitions", "bios", "firmware"),
            default=[],
            help="Section to remove (repeatable)",
        )
        access.project_option(
            parser, "Remove this project from the access list (repeatable)"
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Remove the sections, then each project's access."""
        mogan = common.client(self)
        profile = mogan.hardware_profiles.find(parsed_args.profile)
        if parsed_args.sections:
            mogan.hardware_profiles.update(
                profile["uuid"], **dict.fromkeys(parsed_args.sections)
            )
        SHARED.unshare(mogan, profile["uuid"], parsed_args.projects)


class DeleteHardwareProfile(command.Command):
    """Delete hardware profiles."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """One or more profiles."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "profiles",
            metavar="<profile>",
            nargs="+",
            help="Profile(s) to delete (name or UUID)",
        )
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each profile; report failures and fail at the end."""
        mogan = common.client(self)

        def delete(name: str) -> None:
            mogan.hardware_profiles.delete(mogan.hardware_profiles.find(name)["uuid"])

        common.delete_each(self, "hardware profile", parsed_args.profiles, delete)


class AddHardwareProfileAccess(access.AddAccess):
    """Share a private hardware profile with a project."""

    shared = SHARED


class RemoveHardwareProfileAccess(access.RemoveAccess):
    """Stop sharing a private hardware profile with a project."""

    shared = SHARED


class ListHardwareProfileAccess(access.ListAccess):
    """List the projects a private hardware profile is shared with."""

    shared = SHARED
