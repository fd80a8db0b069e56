"""What every command shares: the client, ``KEY=VALUE`` arguments, output shaping.

Output follows openstackclient: JSON and YAML keep a value's structure
(mappings stay mappings, lists stay lists); every other format (table,
value, csv, shell) prints mappings as ``key='value', key2='value2'`` and
lists as ``a, b``, never as Python reprs. Commands that display something
derive from :class:`ShowOne` and :class:`Lister` here, which apply that.
"""

import argparse
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from cliff import columns, command, lister
from cliff import show as cliff_show

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


# NOTE: the formatters that keep structure; the others get text.
STRUCTURED_FORMATS = frozenset({"json", "yaml"})


def format_dict(value: Mapping[str, Any], prefix: str = "") -> str:
    """``key='value', key2='value2'``, sorted; nested mappings as ``outer.inner``.

    This is how openstackclient prints a mapping; ``None`` shows as ``key=``.
    """
    parts: list[str] = []
    for key in sorted(value, key=str):
        item = value[key]
        name = f"{prefix}{key}"
        if isinstance(item, Mapping):
            nested = format_dict(item, prefix=f"{name}.")
            if nested:
                parts.append(nested)
        elif item is None:
            parts.append(f"{name}=")
        else:
            parts.append(f"{name}='{format_value(item)}'")
    return ", ".join(parts)


def format_list(value: Iterable[Any]) -> str:
    """The items joined by commas; ``{uuid, name}`` objects show their name."""
    return ", ".join(
        str(item.get("name") or item.get("uuid") or format_dict(item))
        if isinstance(item, Mapping)
        else format_value(item)
        for item in value
    )


def format_value(value: Any) -> Any:
    """A value as text formats print it: mappings and lists flattened."""
    if isinstance(value, columns.FormattableColumn):
        return value.human_readable()
    if isinstance(value, Mapping):
        return format_dict(value)
    if isinstance(value, list | tuple):
        return format_list(value)
    return value


class DictColumn(columns.FormattableColumn[dict[str, Any]]):
    """A mapping: ``k1='v1', k2='v2'`` in text formats, itself in JSON and YAML."""

    def human_readable(self) -> str:
        """Sorted ``key='value'`` pairs."""
        return format_dict(self.machine_readable() or {})


class ListColumn(columns.FormattableColumn[list[Any]]):
    """A list: ``a, b`` in text formats (objects by name), itself in JSON and YAML."""

    def human_readable(self) -> str:
        """The items joined by commas; ``{uuid, name}`` objects show their name."""
        return format_list(self.machine_readable() or [])


def _as_text(parsed_args: argparse.Namespace, values: Sequence[Any]) -> tuple[Any, ...]:
    """``values`` as the chosen formatter should get them (see the module doc)."""
    if getattr(parsed_args, "formatter", None) in STRUCTURED_FORMATS:
        return tuple(values)
    return tuple(format_value(v) for v in values)


class ShowOne(cliff_show.ShowOne):
    """cliff's ``ShowOne`` printing mappings and lists as openstackclient does."""

    def produce_output(
        self,
        parsed_args: argparse.Namespace,
        column_names: Sequence[str],
        data: Sequence[Any],
    ) -> int:
        """Flatten structured values for text formats, then print."""
        return super().produce_output(
            parsed_args, column_names, _as_text(parsed_args, data)
        )


class Lister(lister.Lister):
    """cliff's ``Lister`` printing mappings and lists as openstackclient does."""

    def produce_output(
        self,
        parsed_args: argparse.Namespace,
        column_names: Sequence[str],
        data: Iterable[Sequence[Any]],
    ) -> int:
        """Flatten structured values for text formats, then print."""
        return super().produce_output(
            parsed_args, column_names, (_as_text(parsed_args, row) for row in data)
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
