"""What every command shares: the client, ``KEY=VALUE`` arguments, output shaping."""

import argparse
import typing
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from cliff import columns, command

from mogan_cli import exceptions
from mogan_cli.v1 import client as v1_client

TRAIT_REQUIREMENTS = ("required", "forbidden")


@typing.runtime_checkable
class ClientApp(typing.Protocol):
    """The shell as commands see it: it hands out the (lazily built) client."""

    def get_client(self) -> v1_client.Client:
        """The authenticated library client."""


def client(cmd: command.Command) -> v1_client.Client:
    """The library client of the app running ``cmd``.

    Raises:
        TypeError: the command runs under an app that is not the mogan shell.
    """
    app = cmd.app
    if not isinstance(app, ClientApp):
        raise TypeError("mogan commands run only inside the mogan shell")
    return app.get_client()


def add_property_option(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--property <key>=<value>`` (repeatable) into ``properties``."""
    parser.add_argument(
        "--property",
        metavar="<key>=<value>",
        dest="properties",
        action="append",
        type=key_value,
        default=[],
        help=help_text,
    )


def add_unset_property_option(parser: argparse.ArgumentParser) -> None:
    """``--property <key>`` (repeatable, at least one) into ``properties``."""
    parser.add_argument(
        "--property",
        metavar="<key>",
        dest="properties",
        action="append",
        required=True,
        help="Metadata key to remove (repeatable)",
    )


def key_value(text: str) -> tuple[str, str]:
    """Parse ``KEY=VALUE`` (the value may be empty or contain ``=``).

    Raises:
        ArgumentTypeError: no ``=`` or an empty key.
    """
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key.strip(), value.strip()


def key_amount(text: str) -> tuple[str, int]:
    """Parse ``RESOURCE_CLASS=N`` with a whole number N.

    Raises:
        ArgumentTypeError: not ``KEY=VALUE``, or the value is not a number.
    """
    key, value = key_value(text)
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: {value!r} is not a whole number")
    return key, int(value)


def trait_requirement(text: str) -> tuple[str, str]:
    """Parse ``TRAIT=required|forbidden``.

    Raises:
        ArgumentTypeError: not ``KEY=VALUE``, or another requirement.
    """
    key, value = key_value(text)
    if value.lower() not in TRAIT_REQUIREMENTS:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the requirement must be required or forbidden"
        )
    return key, value.lower()


class DictColumn(columns.FormattableColumn[dict[str, Any]]):
    """A mapping: ``k1='v1', k2='v2'`` in tables, itself in JSON and YAML."""

    def human_readable(self) -> str:
        """Sorted ``key='value'`` pairs."""
        value = self.machine_readable() or {}
        return ", ".join(f"{k}='{v}'" for k, v in sorted(value.items()))


class ListColumn(columns.FormattableColumn[list[Any]]):
    """A list: ``a, b`` in tables (objects by name), itself in JSON and YAML."""

    def human_readable(self) -> str:
        """The items joined by commas; ``{uuid, name}`` objects show their name."""
        value = self.machine_readable() or []
        return ", ".join(
            str(item.get("name") or item.get("uuid"))
            if isinstance(item, dict)
            else str(item)
            for item in value
        )


def shape(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` with its list values wrapped for display."""
    return {
        key: ListColumn(value) if isinstance(value, list) else value
        for key, value in resource.items()
    }


def cell(value: Any) -> Any:
    """A value as a formatter wants it: mappings become :class:`DictColumn`."""
    return DictColumn(value) if isinstance(value, dict) else value


def show(
    resource: dict[str, Any], fields: Sequence[str]
) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """``ShowOne`` output: the ``fields`` the resource has, in that order.

    Non-admins see fewer flavor fields; absent ones are left out rather
    than shown empty.
    """
    present = tuple(f for f in fields if f in resource)
    return present, tuple(cell(resource[f]) for f in present)


def rows(
    resources: Iterable[dict[str, Any]], columns_to_fields: Sequence[tuple[str, str]]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """``Lister`` output: one row per resource, headers mapped to fields."""
    headers = tuple(header for header, _ in columns_to_fields)
    data = [
        tuple(cell(r.get(field)) for _, field in columns_to_fields) for r in resources
    ]
    return headers, data


def delete_each(
    cmd: command.Command,
    kind: str,
    names: Sequence[str],
    delete: Callable[[str], None],
) -> None:
    """Delete every one of ``names``, reporting failures and carrying on.

    Raises:
        CommandError: at least one delete failed (after all were tried).
    """
    failed = 0
    for name in names:
        try:
            delete(name)
        except exceptions.ClientError as err:
            failed += 1
            cmd.app.stderr.write(f"Failed to delete {kind} {name}: {err}\n")
    if failed:
        raise exceptions.CommandError(
            f"{failed} of {len(names)} {kind}s failed to delete."
        )
