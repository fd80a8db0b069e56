"""How a server is displayed: its fields, and its addresses by network name.

The API keys a server's ``addresses`` by network UUID. Every output format
of the CLI names the networks instead, as openstackclient does: text
formats read ``demo-net=10.20.0.3, 10.20.0.4; other-net=...``, JSON and YAML
keep the mapping (network name to a list of ``{addr, type}``). The names
come from one network listing per command, not one request per server; a
network the caller cannot see, or whose name several networks share, keeps
its UUID.

What must not live here: commands (``server``, ``manageable_server``).
"""

import collections
from collections.abc import Mapping, Sequence
from typing import Any

from cliff import columns

from mogan_cli import exceptions
from mogan_cli.commands import common
from mogan_cli.v1 import base
from mogan_cli.v1 import client as v1_client

FIELDS = (
    "uuid",
    "name",
    "description",
    "status",
    "power_state",
    "locked",
    "addresses",
    "flavor_uuid",
    "image_uuid",
    "availability_zone",
    "key_name",
    "metadata",
    "fault",
    "partitions",
    "hardware",
    "composed",
    "composition",
    "project_id",
    "user_id",
    "node",
    "affinity_zone",
    "failure_domains",
    "system_metadata",
    "launched_at",
    "created_at",
    "updated_at",
)


class AddressesColumn(columns.FormattableColumn[dict[str, Any]]):
    """Addresses per network name: ``demo-net=10.0.0.3, 10.0.0.4; other=...``.

    Text formats list each network's addresses; JSON and YAML keep the
    mapping, keyed by network name.
    """

    def __init__(self, addresses: Mapping[str, Any], names: Mapping[str, str]) -> None:
        """Rekey ``addresses`` (by network UUID) with ``names`` (UUID -> name)."""
        super().__init__(
            {names.get(net, net): entries for net, entries in addresses.items()}
        )

    def human_readable(self) -> str:
        """``network=addr, addr`` per network, networks separated by ``;``."""
        value = self.machine_readable() or {}
        return "; ".join(
            f"{net}=" + ", ".join(str(entry.get("addr")) for entry in entries or [])
            for net, entries in sorted(value.items())
        )


def network_names(
    mogan: v1_client.Client, servers: Sequence[base.Resource]
) -> dict[str, str]:
    """Network UUID -> name, for names that only one visible network has.

    One network listing (every page of it) serves all ``servers``; nothing
    is fetched when none has an address.
    """
    if not any(s.get("addresses") for s in servers):
        return {}
    try:
        networks = mogan.networks.list()
    except exceptions.ClientError:
        # NOTE: the names only decorate the output; UUIDs will do.
        return {}
    counts = collections.Counter(n.get("name") for n in networks)
    return {
        n["uuid"]: n["name"]
        for n in networks
        if n.get("name") and counts[n["name"]] == 1
    }


def shape(server: base.Resource, names: Mapping[str, str]) -> base.Resource:
    """``server`` with its addresses keyed by network name, for display."""
    shaped = dict(server)
    if "addresses" in shaped:
        shaped["addresses"] = AddressesColumn(shaped["addresses"] or {}, names)
    return shaped


def show(
    mogan: v1_client.Client, server: base.Resource
) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    """``ShowOne`` output of one server; its optional parts when it has them.

    ``fault``, ``hardware`` and ``composition`` (admins, composed servers)
    are left out when empty.
    """
    shaped = shape(server, network_names(mogan, [server]))
    for optional in ("fault", "hardware", "composition"):
        if not shaped.get(optional):
            shaped.pop(optional, None)
    return common.show(shaped, FIELDS)
