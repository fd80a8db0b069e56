"""Servers (``/v1/servers``): create, list, change, power, rebuild, delete, wait.

Actions the engine carries out (create, delete, power, rebuild) answer at
once with the server in a transitional status; :meth:`ServerManager.wait`
polls until it settles, so callers can block on the outcome.
"""

import base64
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from mogan_cli import exceptions
from mogan_cli.v1 import base

# NOTE: ``server.hardware`` and ``networks[].bond`` exist from 1.5 on.
HARDWARE_VERSION = "1.5"
# NOTE: the microversion whose server view has ``composed`` (and for admins
# ``composition``).
COMPOSED_VERSION = "1.8"
# NOTE: a NIC's ``fixed_ip`` and ``security_groups`` exist from 1.8 on.
NIC_VERSION = "1.8"
POWER_TARGETS = ("on", "off", "soft_off", "reboot", "soft_reboot")
GONE = "deleted"
"""The status :meth:`ServerManager.wait` reports once the server no longer exists."""
ERROR = "error"
# NOTE: the transitional statuses of the API's state machine; a wait ends on
# any other status (the target, or a stable status it did not ask for).
TRANSITIONAL = frozenset(
    {
        "building",
        "adopting",
        "powering-on",
        "powering-off",
        "soft-powering-off",
        "rebooting",
        "soft-rebooting",
        "rebuilding",
        "deleting",
    }
)
FIRST_POLL = 0.25
MAX_POLL = 2.0
POLL_GROWTH = 1.5

Progress = Callable[[base.Resource, float], None]
"""Called after every poll with the server seen and the seconds elapsed."""


def fault_message(server: Mapping[str, Any]) -> str:
    """The server's fault message, or a generic one when it has none."""
    fault = server.get("fault") or {}
    message = fault.get("message") if isinstance(fault, Mapping) else None
    return str(message) if message else "no fault recorded"


class ServerManager(base.Manager):
    """Create, list, show, change, power, rebuild and delete servers."""

    def list(
        self,
        *,
        detail: bool = True,
        name: str | None = None,
        status: str | None = None,
        flavor_uuid: str | None = None,
        image_uuid: str | None = None,
        all_projects: bool = False,
        limit: int | None = None,
        marker: str | None = None,
        sort_key: str | None = None,
        sort_dir: str | None = None,
    ) -> list[base.Resource]:
        """The caller's servers (every project's with ``all_projects``, admin).

        All of them, page by page, or the first ``limit``. ``name`` matches
        names starting with it.
        """
        query: base.Query = {
            "name": name,
            "status": status,
            "flavor_uuid": flavor_uuid,
            "image_uuid": image_uuid,
            "all_tenants": "true" if all_projects else None,
            "sort_key": sort_key,
            "sort_dir": sort_dir,
        }
        path = "/v1/servers/detail" if detail else "/v1/servers"

        def fetch(page: base.Query) -> list[base.Resource]:
            return list(self.api.get(path, {**query, **page})["servers"])

        return base.paginate(fetch, limit=limit, marker=marker)

    def get(self, server_uuid: str) -> base.Resource:
        """One server by UUID (at 1.8 unless the caller chose a version).

        1.2 adds ``failure_domains`` for admins: where the server landed;
        1.5 its ``hardware``; 1.8 whether it is ``composed`` and, for
        admins, the ``composition`` (service, zone, system, blocks) it is
        made of.
        """
        # NOTE: an explicit --os-compute-api-version wins.
        wanted = None if self.api.api_version else COMPOSED_VERSION
        response = self.api.request(
            "GET", f"/v1/servers/{server_uuid}", min_version=wanted
        )
        return dict(response.json())

    def find(self, name_or_uuid: str, *, all_projects: bool = False) -> base.Resource:
        """One server by UUID or, failing that, by exact name.

        A name is looked up in the caller's project first and, when no
        server there has it, in every project: an admin may name another
        project's server (the API ignores ``all_tenants`` for others). With
        ``all_projects`` every project is searched at once, so a name used
        in several projects is ambiguous.

        Raises:
            CommandError: no server has that UUID or name, or several share it.
            HttpError: the API refused the lookup.
        """
        if base.is_uuid(name_or_uuid):
            try:
                return self.get(name_or_uuid)
            except exceptions.HttpError as err:
                if err.status != 404:  # noqa: PLR2004 - fall back to names on 404
                    raise
        matches = self._named(name_or_uuid, all_projects=all_projects)
        if not matches and not all_projects:
            matches = self._named(name_or_uuid, all_projects=True)
        if not matches:
            raise exceptions.CommandError(
                f"No server with a name or UUID of '{name_or_uuid}' exists."
            )
        if len(matches) > 1:
            raise exceptions.CommandError(
                f"More than one server exists with the name '{name_or_uuid}'; "
                "use its UUID."
            )
        return matches[0]

    def _named(self, name: str, *, all_projects: bool) -> tuple[base.Resource, ...]:
        """The servers named exactly ``name`` (every page)."""
        # NOTE: the name filter is a prefix match; keep the exact names only.
        candidates = self.list(name=name, all_projects=all_projects)
        return tuple(s for s in candidates if s.get("name") == name)

    def create(
        self,
        name: str,
        flavor_uuid: str,
        image_uuid: str,
        network_uuids: Sequence[str | Mapping[str, Any]],
        *,
        description: str | None = None,
        availability_zone: str | None = None,
        metadata: Mapping[str, str] | None = None,
        user_data: bytes | None = None,
        key_name: str | None = None,
        admin_pass: str | None = None,
        min_count: int = 1,
        max_count: int | None = None,
        group: str | None = None,
        hardware: Mapping[str, Any] | None = None,
        bonds: Mapping[int, Mapping[str, Any]] | None = None,
    ) -> base.Resource:
        """Ask for ``max_count`` servers (at least ``min_count``); the first answers.

        Args:
            name: the server name (``name-1`` ... ``name-N`` for several).
            flavor_uuid: the flavor.
            image_uuid: the image to deploy.
            network_uuids: one NIC per entry, in order: a network uuid, or
                a whole ``networks[]`` item (``net_id`` or ``port_id``,
                ``fixed_ip``, ``security_groups``; the last two send API
                version 1.8).
            description: free text.
            availability_zone: the zone to build in.
            metadata: user metadata (``key: value``).
            user_data: raw user data; sent base64-encoded.
            key_name: a keypair of the caller to inject.
            admin_pass: the administrator password (generated when absent).
            min_count: build this many or none.
            max_count: build up to this many.
            group: the server group to join (scheduler hint).
            hardware: ``server.hardware`` (profile, raid, partitions, bios,
                firmware); sends API version 1.5.
            bonds: ``networks[i].bond`` by NIC index; sends API version 1.5.
        """
        server: base.Resource = {
            "name": name,
            "flavor_uuid": flavor_uuid,
            "image_uuid": image_uuid,
            "networks": [
                {"net_id": net} if isinstance(net, str) else dict(net)
                for net in network_uuids
            ],
            "min_count": min_count,
        }
        optional: dict[str, Any] = {
            "description": description,
            "availability_zone": availability_zone,
            "key_name": key_name,
            "adminPass": admin_pass,
            "max_count": max_count,
        }
        server.update({k: v for k, v in optional.items() if v is not None})
        if metadata:
            server["metadata"] = dict(metadata)
        if user_data is not None:
            server["user_data"] = base64.b64encode(user_data).decode("ascii")
        min_version = None
        if hardware:
            server["hardware"] = dict(hardware)
            min_version = HARDWARE_VERSION
        for index, bond in (bonds or {}).items():
            server["networks"][index]["bond"] = dict(bond)
            min_version = HARDWARE_VERSION
        if any(
            "fixed_ip" in nic or "security_groups" in nic for nic in server["networks"]
        ):
            min_version = NIC_VERSION
        body: base.Resource = {"server": server}
        if group is not None:
            body["scheduler_hints"] = {"group": group}
        return dict(self.api.post("/v1/servers", body, min_version=min_version))

    def update(
        self,
        server_uuid: str,
        *,
        name: str | None = None,
        description: str | None = None,
        set_metadata: Mapping[str, str] | None = None,
        unset_metadata: Iterable[str] = (),
    ) -> base.Resource:
        """Change name and description, set and remove metadata keys, in one patch.

        Raises:
            ValueError: nothing to change was given.
        """
        ops: list[dict[str, Any]] = [
            {"op": "replace", "path": f"/{field}", "value": value}
            for field, value in (("name", name), ("description", description))
            if value is not None
        ]
        ops.extend(base.metadata_patch(set_metadata, unset_metadata))
        if not ops:
            msg = "nothing to change"
            raise ValueError(msg)
        return dict(self.api.patch(f"/v1/servers/{server_uuid}", ops))

    def delete(self, server_uuid: str) -> None:
        """Start deleting a server (the engine tears its node down)."""
        self.api.delete(f"/v1/servers/{server_uuid}")

    def set_power_state(self, server_uuid: str, target: str) -> None:
        """Power on, off, soft off, reboot or soft reboot a server.

        Raises:
            ValueError: ``target`` is not one of :data:`POWER_TARGETS`.
        """
        if target not in POWER_TARGETS:
            msg = f"power target must be one of {', '.join(POWER_TARGETS)}"
            raise ValueError(msg)
        self.api.request(
            "PUT", f"/v1/servers/{server_uuid}/states/power", json={"target": target}
        )

    def set_lock(self, server_uuid: str, locked: bool) -> None:
        """Lock a server against changes by non-admins, or unlock it."""
        self.api.request(
            "PUT", f"/v1/servers/{server_uuid}/states/lock", json={"target": locked}
        )

    def rebuild(
        self,
        server_uuid: str,
        *,
        image_uuid: str | None = None,
        preserve_ephemeral: bool = False,
    ) -> None:
        """Redeploy a server, with another image if given."""
        body: base.Resource = {
            "target": "rebuild",
            "preserve_ephemeral": preserve_ephemeral,
        }
        if image_uuid is not None:
            body["image_uuid"] = image_uuid
        self.api.request(
            "PUT", f"/v1/servers/{server_uuid}/states/provision", json=body
        )

    def wait(
        self,
        server_uuid: str,
        target: str,
        *,
        timeout: float,
        progress: Progress | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> base.Resource:
        """Poll the server until its status is ``target``.

        Args:
            server_uuid: the server.
            target: the status to reach; :data:`GONE` waits for deletion.
            timeout: seconds before giving up.
            progress: called after every poll (see :data:`Progress`).
            sleep: how to pause between polls (tests pass a fake).

        Returns:
            The server as last seen (``{"uuid": ..., "status": "deleted"}``
            once it is gone).

        Raises:
            CommandError: the server ended in error (the message is its
                fault's), settled in another status, vanished while
                waiting for a status, or did not settle in ``timeout``.
        """
        started = time.monotonic()
        interval = FIRST_POLL
        while True:
            try:
                server = self.get(server_uuid)
            except exceptions.HttpError as err:
                if err.status != 404:  # noqa: PLR2004 - 404 means gone
                    raise
                server = {"uuid": server_uuid, "status": GONE}
            elapsed = time.monotonic() - started
            if progress is not None:
                progress(server, elapsed)
            status = server.get("status")
            label = server.get("name") or server_uuid
            if status == target:
                return server
            if status == GONE:
                raise exceptions.CommandError(f"Server {label} no longer exists.")
            if status == ERROR:
                raise exceptions.CommandError(
                    f"Server {label} is in error: {fault_message(server)}"
                )
            if status not in TRANSITIONAL:
                raise exceptions.CommandError(
                    f"Server {label} is {status}, not {target}."
                )
            if elapsed >= timeout:
                raise exceptions.CommandError(
                    f"Timed out after {timeout:g}s waiting for server {label} "
                    f"to be {target} (it is {status})."
                )
            sleep(min(interval, max(timeout - elapsed, 0.0)))
            interval = min(interval * POLL_GROWTH, MAX_POLL)
