"""The Ironic driver's hardware configuration: deploy steps, port groups, restore.

Ironic applies RAID, BIOS and firmware with deploy steps of the node's
``raid``, ``bios`` and ``firmware`` interfaces, asked for explicitly in the
provision request (``deploy_steps``, API 1.69). It silently skips a step its
interface lacks, and no API lists a node's steps before a deploy: so
``check`` refuses a section whose interface is not one of ``[ironic]
deploy_step_interfaces``, and ``result`` reads back what Ironic recorded
(``raid_config``, ``/bios``, ``/firmware``, port groups) rather than trusting
``active``. Bonds are Ironic port groups (created before the deploy, their
member ports joined to them); Ironic takes any text as a bond mode, Mogan's
plan checks it first.

What a deploy asked for is kept on the node itself, in ``extra``
(``mogan_hardware``): the sections, the BIOS values before the deploy, the
firmware's state before it, the port groups. It outlives ``instance_info``
(cleared at teardown) so that the restore after teardown
(``ironic_restore``) knows what to undo, even after an engine restart.
While the key is there the node is not consumable
(``ironic_nodes.why_not``).

What must not live here: the checks against the inventory
(``hardware_plan``), HTTP and retries (``ironic_client``), the deploy
itself (``ironic``), the restore (``ironic_restore``).
"""

import dataclasses
import re
from typing import Any

from oslo_config import cfg

from mogan import exception
from mogan.drivers import base, ironic_client, ironic_parts
from mogan.drivers import hardware as hw
from mogan.drivers import ironic_nodes as nodes

KEY = "mogan_hardware"
DEPLOY_STEPS_VERSION = (1, 69)
# NOTE: (interface, step, priority): above deploy.deploy's 100, so that the
# volumes exist before the image is written to the root one; firmware first
# (new firmware may be what the RAID or BIOS settings need), as
# ``hw.HardwareSection`` orders them.
STEPS = {
    hw.HardwareSection.FIRMWARE: ("firmware", "update", 130),
    hw.HardwareSection.RAID: ("raid", "apply_configuration", 120),
    hw.HardwareSection.BIOS: ("bios", "apply_configuration", 110),
}
# NOTE: Ironic names a failed step either as ``bios.apply_configuration`` or
# by the step's dict (``{'interface': 'bios', 'step': 'apply_configuration'``).
_STEP_DICT = re.compile(r"'interface': '(\w+)', 'step': '(\w+)'")
BOND_PROPERTIES = ("miimon", "xmit_hash_policy", "lacp_rate")


def logical_disk(disk: hw.LogicalDisk) -> dict[str, Any]:
    """A requested volume in Ironic's ``target_raid_config`` form."""
    out: dict[str, Any] = {
        "size_gb": "MAX" if disk.size_gb is None else disk.size_gb,
        "raid_level": disk.raid_level,
    }
    if disk.is_root_volume:
        out["is_root_volume"] = True
    if disk.name:
        out["volume_name"] = disk.name
    if disk.controller:
        out["controller"] = disk.controller
    if disk.physical_disks:
        out["physical_disks"] = list(disk.physical_disks)
    if disk.number_of_physical_disks:
        out["number_of_physical_disks"] = disk.number_of_physical_disks
    if disk.disk_type:
        # NOTE: Ironic knows hdd and ssd only; NVMe drives are solid state
        # (the plan has already checked the node has NVMe ones).
        out["disk_type"] = "hdd" if disk.disk_type == "hdd" else "ssd"
    return out


def deploy_steps(request: hw.HardwareRequest) -> list[dict[str, Any]]:
    """The explicit deploy steps applying ``request`` (bonds need none)."""
    steps: list[dict[str, Any]] = []
    if request.firmware:
        updates = [{"component": u.component, "url": u.url} for u in request.firmware]
        steps.append(_step(hw.HardwareSection.FIRMWARE, {"settings": updates}))
    if request.raid:
        config = {"logical_disks": [logical_disk(d) for d in request.raid]}
        steps.append(
            _step(
                hw.HardwareSection.RAID,
                {"raid_config": config, "delete_existing": True},
            )
        )
    if request.bios:
        settings = [{"name": s.name, "value": s.value} for s in request.bios]
        steps.append(_step(hw.HardwareSection.BIOS, {"settings": settings}))
    return steps


def _step(section: hw.HardwareSection, args: dict[str, Any]) -> dict[str, Any]:
    interface, step, priority = STEPS[section]
    return {"interface": interface, "step": step, "args": args, "priority": priority}


def record_of(node: dict[str, Any]) -> dict[str, Any] | None:
    """What Mogan's last deploy asked of the node's hardware, while it holds."""
    record = (node.get("extra") or {}).get(KEY)
    return record if isinstance(record, dict) else None


def failed_section(message: str) -> hw.HardwareSection | None:
    """The section whose deploy step Ironic's ``last_error`` names, if any."""
    named = {f"{i}.{s}" for i, s in _STEP_DICT.findall(message)}
    for section, (interface, step, _) in STEPS.items():
        if f"{interface}.{step}" in named or f"{interface}.{step}" in message:
            return section
    return None


def step_name(section: hw.HardwareSection) -> str:
    """``raid.apply_configuration`` ...: the step a section runs as."""
    interface, step, _ = STEPS[section]
    return f"{interface}.{step}"


class IronicHardware:
    """RAID, BIOS, firmware and bonds of the nodes of one Ironic."""

    def __init__(
        self, client: ironic_client.IronicClient, conf: cfg.ConfigOpts
    ) -> None:
        """Use ``client``; ``conf`` gives ``[ironic]`` and ``[hardware]``."""
        self.client = client
        self.conf = conf
        self.parts = ironic_parts.NodeParts(client)

    # ------------------------------------------------------------ checks

    def check(self, node_uuid: str, request: hw.HardwareRequest) -> None:
        """Refuse what this Ironic or the node's interfaces would not apply.

        Raises:
            DriverCannot: this Ironic is too old for the request.
            NodeNotFound: Ironic does not know the node.
            HardwareRejected: the node's interface for a section has no
                deploy step for it (Ironic would skip it silently).
        """
        stepped = [s for s in request.sections() if s in STEPS]
        if not stepped:
            return
        if self.client.newest < DEPLOY_STEPS_VERSION:
            raise exception.DriverCannot(
                driver="ironic",
                what="apply RAID, BIOS or firmware with an Ironic older than API 1.69",
            )
        firmware = hw.HardwareSection.FIRMWARE in stepped
        if firmware and self.client.newest < ironic_client.FIRMWARE_VERSION:
            raise exception.DriverCannot(
                driver="ironic",
                what="update firmware with an Ironic older than API 1.86",
            )
        node: dict[str, Any] = self.client.request(
            "GET",
            f"/v1/nodes/{node_uuid}",
            node=node_uuid,
            version=ironic_client.FIRMWARE_VERSION if firmware else None,
        )
        allowed = set(self.conf.ironic.deploy_step_interfaces)
        for section in stepped:
            kind = STEPS[section][0]
            interface = node.get(f"{kind}_interface")
            if f"{kind}:{interface}" not in allowed:
                raise base.HardwareRejected(
                    node=node_uuid,
                    section=section.value,
                    reason=(
                        f"its {kind} interface {interface} has no deploy step "
                        f"{step_name(section)} Mogan knows of (Ironic would "
                        "skip it); see [ironic] deploy_step_interfaces"
                    ),
                )

    # ------------------------------------------------------------ deploy

    def prepare(
        self, node_uuid: str, server_uuid: str, request: hw.HardwareRequest
    ) -> list[dict[str, Any]]:
        """Record the request on the node, set RAID, make bonds; the deploy steps.

        Called once the node is reserved for ``server_uuid`` and before the
        provision request, which carries the steps returned.
        """
        if not request.sections():
            return []
        record: dict[str, Any] = {
            "server": server_uuid,
            "sections": [s.value for s in request.sections()],
            "restore_bios": self.conf.hardware.restore_bios,
        }
        prefix = f"/v1/nodes/{node_uuid}"
        if request.bios:
            current = self.parts.bios(node_uuid)
            record["bios"] = {s.name: s.value for s in request.bios}
            record["bios_before"] = {
                s.name: current[s.name] for s in request.bios if s.name in current
            }
        if request.firmware:
            record["firmware"] = {u.component: u.url for u in request.firmware}
            record["firmware_before"] = {
                c["component"]: flash_mark(c) for c in self.parts.firmware(node_uuid)
            }
        if request.raid:
            record["raid"] = len(request.raid)
        # NOTE: the record first: a crash after any change below still
        # leaves the node something to restore.
        self.parts.patch(node_uuid, [_set(record)])
        if request.raid:
            logical = [logical_disk(d) for d in request.raid]
            self.client.request(
                "PUT",
                f"{prefix}/states/raid",
                {"logical_disks": logical},
                ok=(204,),
                node=node_uuid,
            )
        if request.bonds:
            groups = self._make_bonds(node_uuid, server_uuid, request.bonds)
            record["portgroups"] = groups
            self.parts.patch(node_uuid, [_set(record)])
        return deploy_steps(request)

    def _make_bonds(
        self, node_uuid: str, server_uuid: str, bonds: tuple[hw.Bond, ...]
    ) -> dict[str, str]:
        """A port group per bond with its member ports; bond name to its uuid."""
        ports = self.parts.ports(node_uuid)
        joins: list[tuple[str, str]] = []
        existing = {g["name"]: g for g in self.parts.portgroups(node_uuid)}
        made: dict[str, str] = {}
        for bond in bonds:
            name = f"{node_uuid}-{bond.name}"
            group = existing.get(name)
            if group is None:
                properties = {
                    key: getattr(bond, key)
                    for key in BOND_PROPERTIES
                    if getattr(bond, key) is not None
                }
                body = {
                    "node_uuid": node_uuid,
                    "name": name,
                    "address": bond.links[0].lower(),
                    "mode": bond.mode,
                    "properties": properties,
                    # NOTE: members may be PXE ports, which Ironic refuses
                    # in a port group that supports no standalone ports.
                    "standalone_ports_supported": True,
                    "extra": {"mtu": bond.mtu} if bond.mtu else {},
                }
                group = self.client.request(
                    "POST", "/v1/portgroups", body, ok=(201,), node=node_uuid
                )
            made[bond.name] = group["uuid"]
            for mac in bond.links:
                port = ports.get(mac.lower())
                if port is None:
                    reason = f"no port {mac} for bond {bond.name}"
                    raise base.HardwareRejected(
                        node=node_uuid, section="bonds", reason=reason
                    )
                if port.get("portgroup_uuid") != group["uuid"]:
                    joins.append((port["uuid"], group["uuid"]))
        if not joins:
            # NOTE: every port joined before a crash that left the window
            # open: close it, or the provision would meet a node in
            # maintenance.
            node: dict[str, Any] = self.client.request(
                "GET", f"/v1/nodes/{node_uuid}", node=node_uuid
            )
            self.parts.close_window(node)
        else:
            with self.parts.connectivity_window(node_uuid, server_uuid):
                for port_uuid, group_uuid in joins:
                    patch = [
                        {"op": "add", "path": "/portgroup_uuid", "value": group_uuid}
                    ]
                    self.client.request(
                        "PATCH", f"/v1/ports/{port_uuid}", patch, node=node_uuid
                    )
        return made

    # ------------------------------------------------------------ result

    def failure(self, node: dict[str, Any]) -> str | None:
        """A failed deploy's message naming the hardware step that failed."""
        message = str(node.get("last_error") or "")
        record = record_of(node)
        section = failed_section(message) if record else None
        if section is None:
            return None
        if step_name(section) in message:
            # NOTE: Ironic's own "Deploy step raid.apply_configuration failed:".
            return message
        return f"deploy step {step_name(section)} ({section.value}) failed: {message}"

    def result(self, node_uuid: str) -> hw.HardwareResult:
        """What Ironic recorded for each section the last deploy asked for."""
        node: dict[str, Any] = self.client.request(
            "GET", f"/v1/nodes/{node_uuid}", node=node_uuid
        )
        record = record_of(node)
        if record is None:
            return hw.HardwareResult()
        failed = None
        if node.get("provision_state") in nodes.FAILURE_STATES:
            failed = failed_section(str(node.get("last_error") or ""))
        results: list[hw.SectionResult] = []
        stop: str | None = None
        for name in record.get("sections") or []:
            section = hw.HardwareSection(name)
            if stop is not None:
                results.append(
                    hw.SectionResult(section, False, f"not attempted: {stop}")
                )
                continue
            if section is failed:
                stop = str(node.get("last_error") or "failed")
                results.append(hw.SectionResult(section, False, stop))
                continue
            results.append(self._evidence(node, record, section))
        return hw.HardwareResult(sections=tuple(results))

    def _evidence(
        self, node: dict[str, Any], record: dict[str, Any], section: hw.HardwareSection
    ) -> hw.SectionResult:
        """A section's result from what Ironic shows, not from ``active``."""
        read = {
            hw.HardwareSection.RAID: self._raid_evidence,
            hw.HardwareSection.BIOS: self._bios_evidence,
            hw.HardwareSection.FIRMWARE: self._firmware_evidence,
            hw.HardwareSection.BONDS: self._bond_evidence,
        }[section]
        return read(node, record)

    def _raid_evidence(
        self, node: dict[str, Any], record: dict[str, Any]
    ) -> hw.SectionResult:
        section = hw.HardwareSection.RAID
        volumes = (node.get("raid_config") or {}).get("logical_disks") or []
        if len(volumes) < int(record.get("raid") or 0):
            return hw.SectionResult(
                section, False, "Ironic recorded no RAID configuration"
            )
        return hw.SectionResult(section, True, details={"logical_disks": volumes})

    def _bios_evidence(
        self, node: dict[str, Any], record: dict[str, Any]
    ) -> hw.SectionResult:
        section = hw.HardwareSection.BIOS
        current = self.parts.bios(node["uuid"])
        wanted = record.get("bios") or {}
        wrong = [n for n, v in wanted.items() if current.get(n) != v]
        if wrong:
            shown = ", ".join(f"{n} is {current.get(n)!r}" for n in sorted(wrong))
            return hw.SectionResult(section, False, f"BIOS not set: {shown}")
        settings = {n: current[n] for n in wanted}
        return hw.SectionResult(section, True, details={"settings": settings})

    def _firmware_evidence(
        self, node: dict[str, Any], record: dict[str, Any]
    ) -> hw.SectionResult:
        section = hw.HardwareSection.FIRMWARE
        components = {c["component"]: c for c in self.parts.firmware(node["uuid"])}
        before = record.get("firmware_before") or {}
        asked = list(record.get("firmware") or {})
        unflashed = [
            c
            for c in asked
            if c not in components or flash_mark(components[c]) == before.get(c)
        ]
        if unflashed:
            names = ", ".join(sorted(unflashed))
            return hw.SectionResult(section, False, f"not flashed: {names}")
        versions = {c: components[c].get("current_version") for c in asked}
        return hw.SectionResult(section, True, details={"versions": versions})

    def _bond_evidence(
        self, node: dict[str, Any], record: dict[str, Any]
    ) -> hw.SectionResult:
        section = hw.HardwareSection.BONDS
        node_uuid = node["uuid"]
        wanted: dict[str, str] = record.get("portgroups") or {}
        groups = {g["uuid"]: g for g in self.parts.portgroups(node_uuid)}
        members: dict[str, list[str]] = {}
        for mac, port in self.parts.ports(node_uuid).items():
            if port.get("portgroup_uuid"):
                members.setdefault(port["portgroup_uuid"], []).append(mac)
        bonds = []
        for name, uuid in wanted.items():
            group = groups.get(uuid)
            if group is None or not members.get(uuid):
                return hw.SectionResult(section, False, f"no port group for {name}")
            links = sorted(members[uuid], key=lambda mac: mac != group["address"])
            properties = group.get("properties") or {}
            bond = hw.Bond(
                name=name,
                mode=group.get("mode") or "",
                links=tuple(links),
                miimon=properties.get("miimon"),
                xmit_hash_policy=properties.get("xmit_hash_policy"),
                lacp_rate=properties.get("lacp_rate"),
                mtu=(group.get("extra") or {}).get("mtu"),
            )
            entry = dataclasses.asdict(bond) | {"links": list(bond.links)}
            entry.pop("links_count", None)
            entry.pop("network_id", None)
            bonds.append(entry | {"portgroup_uuid": uuid})
        return hw.SectionResult(section, True, details={"bonds": bonds})


def flash_mark(component: dict[str, Any]) -> str:
    """What changes when a component is flashed (its version and time)."""
    return (
        f"{component.get('current_version')}|{component.get('last_version_flashed')}"
        f"|{component.get('updated_at')}"
    )


def _set(record: dict[str, Any]) -> dict[str, Any]:
    """The JSON patch operation writing ``record`` to the node's ``extra``."""
    return {"op": "add", "path": f"/extra/{KEY}", "value": record}
