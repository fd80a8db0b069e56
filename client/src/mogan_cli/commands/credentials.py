"""The options that say how the engine reaches a BMC or a composition service.

``node create|set`` (``--bmc-address`` ...) and ``composition service
create|set`` (``--address`` ...) take the same access: an address, a user,
a password and whether to check TLS, sent as the ``driver_info`` body. A
command module describes its options with a ``Credentials`` and builds
them and the body from here, so both behave alike. The password is read
from its option or, better (shell history keeps arguments), from an
environment variable, and is never printed.
"""

import argparse
import dataclasses
import os
from typing import Any

from mogan_cli import exceptions


@dataclasses.dataclass(frozen=True)
class Credentials:
    """One command family's access options.

    Attributes:
        prefix: of every option's name (``bmc-``: ``--bmc-address`` ...).
        noun: what is reached, in help texts and errors (``BMC``,
            ``service``).
        password_env: the environment variable the password defaults to.
        address_help: the help of ``--<prefix>address``.
        access: how an error names the access (``BMC access``).
        system_id_help: the help of ``--<prefix>system-id`` (None: no such
            option).
    """

    prefix: str
    noun: str
    password_env: str
    address_help: str
    access: str = "access"
    system_id_help: str | None = None

    def _value(self, parsed_args: argparse.Namespace, name: str) -> Any:
        return getattr(parsed_args, (self.prefix + name).replace("-", "_"))

    def add_options(self, parser: argparse.ArgumentParser, required: bool) -> None:
        """Address, (system id), user, password and ``insecure`` options."""
        title = self.noun[:1].upper() + self.noun[1:]
        parser.add_argument(
            f"--{self.prefix}address",
            metavar="<url>",
            required=required,
            help=self.address_help,
        )
        if self.system_id_help is not None:
            parser.add_argument(
                f"--{self.prefix}system-id",
                metavar="<path>",
                help=self.system_id_help,
            )
        parser.add_argument(
            f"--{self.prefix}username",
            metavar="<user>",
            required=required,
            help=f"{title} user",
        )
        parser.add_argument(
            f"--{self.prefix}password",
            metavar="<password>",
            help=f"{title} password (default: ${self.password_env}; never shown)",
        )
        parser.add_argument(
            f"--{self.prefix}insecure",
            action="store_true",
            help=f"Do not check the {self.noun}'s TLS certificate",
        )

    def driver_info(self, parsed_args: argparse.Namespace) -> dict[str, Any]:
        """The ``driver_info`` body from the options.

        Raises:
            CommandError: no password was given.
        """
        password = self._value(parsed_args, "password") or os.environ.get(
            self.password_env
        )
        if not password:
            raise exceptions.CommandError(
                f"give the {self.noun} password with --{self.prefix}password "
                f"or ${self.password_env}"
            )
        info: dict[str, Any] = {
            "address": self._value(parsed_args, "address"),
            "username": self._value(parsed_args, "username"),
            "password": password,
            "verify_ca": not self._value(parsed_args, "insecure"),
        }
        if self.system_id_help is not None and self._value(parsed_args, "system-id"):
            info["system_id"] = self._value(parsed_args, "system-id")
        return info

    def changed(self, parsed_args: argparse.Namespace) -> dict[str, Any] | None:
        """The new ``driver_info`` of a ``set`` (None: the access is kept).

        Raises:
            CommandError: access options without both address and user, or
                without a password.
        """
        wanted = (
            self._value(parsed_args, "address"),
            self._value(parsed_args, "username"),
        )
        if not any(wanted) and not self._value(parsed_args, "password"):
            return None
        if not all(wanted):
            raise exceptions.CommandError(
                f"changing the {self.access} needs --{self.prefix}address and "
                f"--{self.prefix}username"
            )
        return self.driver_info(parsed_args)
