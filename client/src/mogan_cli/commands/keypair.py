"""``mogan keypair ...``: import, generate, list, show and delete keypairs.

Keypairs belong to a user: the caller, unless an admin names another with
``--user``.

A generated private key exists once, in the create answer: the server
keeps no copy. So ``--private-key FILE`` claims the file (creates it, never
overwriting one) *before* asking for the keypair, and a write that fails
afterwards prints the key on standard output rather than losing it.
"""

import argparse
import contextlib
import os
import pathlib
from collections.abc import Sequence
from typing import Any

from cliff import command

from mogan_cli import exceptions
from mogan_cli.commands import common

FIELDS = (
    "name",
    "user_id",
    "type",
    "fingerprint",
    "public_key",
    "private_key",
    "created_at",
    "updated_at",
)
LIST_COLUMNS = (("Name", "name"), ("Type", "type"), ("Fingerprint", "fingerprint"))
PRIVATE_KEY_MODE = 0o600


def _user_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="<user-id>",
        help="Owner of the keypair (admin only; default: the caller)",
    )


def _claim(path: str) -> int:
    """Create ``path`` empty, only its owner may read it; its descriptor.

    Raises:
        CommandError: the file exists or cannot be created; nothing was
            asked of the API yet.
    """
    try:
        return os.open(
            pathlib.Path(path).expanduser(),
            os.O_WRONLY | os.O_CREAT | os.O_EXCL,
            PRIVATE_KEY_MODE,
        )
    except OSError as err:
        raise exceptions.CommandError(
            f"cannot write the private key to {path}: {err.strerror}; "
            "no keypair was created"
        ) from err


def _release(fd: int, path: str) -> None:
    """Close and remove a file :func:`_claim` made (nothing went into it)."""
    os.close(fd)
    with contextlib.suppress(OSError):
        pathlib.Path(path).expanduser().unlink()


def save_private_key(fd: int, key: str) -> None:
    """Write ``key`` to the claimed file and close it.

    Raises:
        OSError: the write failed (the descriptor is closed all the same).
    """
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key)


class CreateKeypair(common.ShowOne):
    """Import a public key, or generate a keypair.

    A generated private key is returned only once: it is printed (with the
    default table format) or written to ``--private-key FILE``; with
    ``-f json|yaml|value|shell`` it appears as the ``private_key`` field.
    """

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Name, key source, type and owner."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="New keypair name")
        source = parser.add_mutually_exclusive_group()
        source.add_argument(
            "--public-key",
            metavar="<file>",
            help="Public key to import ('-' reads standard input)",
        )
        source.add_argument(
            "--private-key",
            metavar="<file>",
            help="Generate a keypair and write its private key to <file>",
        )
        parser.add_argument(
            "--type",
            choices=("ssh", "x509"),
            default="ssh",
            help="Key type (default: ssh)",
        )
        _user_option(parser)
        return parser

    def _public_key(self, source: str | None) -> str | None:
        if source is None:
            return None
        if source == "-":
            return str(self.app.stdin.read())
        try:
            return pathlib.Path(source).expanduser().read_text(encoding="utf-8")
        except OSError as err:
            raise exceptions.CommandError(
                f"cannot read the public key from {source}: {err.strerror}"
            ) from err

    def _deliver(self, fd: int, path: str, key: str) -> None:
        """Write ``key`` to the claimed file; print it if that fails.

        Raises:
            CommandError: the write failed (the key is on standard output).
        """
        try:
            save_private_key(fd, key)
        except OSError as err:
            with contextlib.suppress(OSError):
                pathlib.Path(path).expanduser().unlink()
            # NOTE: the server keeps no copy; this is the last chance to
            # hand the key over.
            self.app.stdout.write(key if key.endswith("\n") else key + "\n")
            self.app.stdout.flush()
            raise exceptions.CommandError(
                f"cannot write the private key to {path}: {err.strerror}; "
                "the keypair was created and its private key printed on "
                "standard output instead: save it now, it cannot be fetched again"
            ) from err

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Create the keypair; deliver a generated private key."""
        public_key = self._public_key(parsed_args.public_key)
        path = parsed_args.private_key
        fd = _claim(path) if path else None
        try:
            keypair = common.client(self).keypairs.create(
                parsed_args.name,
                public_key=public_key,
                key_type=parsed_args.type,
                user_id=parsed_args.user,
            )
        except BaseException:
            if fd is not None:
                _release(fd, path)
            raise
        private_key = keypair.get("private_key")
        if fd is not None and not private_key:
            _release(fd, path)
        elif fd is not None and private_key:
            self._deliver(fd, path, private_key)
            del keypair["private_key"]
        elif private_key and parsed_args.formatter == "table":
            # NOTE: as openstackclient does, the bare key so it can be
            # redirected straight into a key file.
            self.app.stdout.write(private_key)
            return (), ()
        return common.show(keypair, FIELDS)

    def produce_output(
        self,
        parsed_args: argparse.Namespace,
        column_names: Sequence[str],
        data: Sequence[Any],
    ) -> int:
        """Nothing more once the bare private key was printed."""
        if not column_names:
            return 0
        return super().produce_output(parsed_args, column_names, data)


class ListKeypair(common.Lister):
    """List keypairs."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Owner and paging."""
        parser = super().get_parser(prog_name)
        _user_option(parser)
        parser.add_argument(
            "--limit", metavar="<n>", type=int, help="List at most <n> keypairs"
        )
        parser.add_argument(
            "--marker", metavar="<name>", help="List keypairs after this one"
        )
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the list."""
        keypairs = common.client(self).keypairs.list(
            user_id=parsed_args.user,
            limit=parsed_args.limit,
            marker=parsed_args.marker,
        )
        return common.rows(keypairs, LIST_COLUMNS)


class ShowKeypair(common.ShowOne):
    """Show a keypair."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Name and owner."""
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>", help="Keypair to show")
        _user_option(parser)
        return parser

    def take_action(
        self, parsed_args: argparse.Namespace
    ) -> tuple[tuple[str, ...], tuple[Any, ...]]:
        """Fetch and show the keypair."""
        keypair = common.client(self).keypairs.get(
            parsed_args.name, user_id=parsed_args.user
        )
        return common.show(keypair, FIELDS)


class DeleteKeypair(command.Command):
    """Delete keypairs."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        """Names and owner."""
        parser = super().get_parser(prog_name)
        parser.add_argument(
            "names", metavar="<name>", nargs="+", help="Keypair(s) to delete"
        )
        _user_option(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        """Delete each keypair; report failures and fail at the end."""
        keypairs = common.client(self).keypairs

        def delete(name: str) -> None:
            keypairs.delete(name, user_id=parsed_args.user)

        common.delete_each(self, "keypair", parsed_args.names, delete)
