"""The emulator process's state, behind one lock.

Everything the team adds lives here in memory (one emulator per test
process, reset between tests): the systems (the fake driver's records, with
BIOS, firmware, storage, boot and power state, the installer's run and
what it wrote to the disk), scripted faults, delays,
firmware tasks, sessions, the composition pool and a log of requests.
sushy-tools' own virtual-media state stays in its state directory.

Werkzeug serves each request on a thread of its own: code that reads and
then changes state holds ``STORE.lock`` across both.
"""

import collections
import copy
import threading
import time
import uuid as uuid_module
from typing import TYPE_CHECKING, Any

from . import bios

if TYPE_CHECKING:
    from collections.abc import Callable

FEATURES = ("bios", "firmware", "volumes", "virtual_media")
DELAYS = ("power", "boot", "firmware", "compose", "install")
REQUEST_LOG_SIZE = 5000
# NOTE: drive sizes as vendors count them (decimal gigabytes).
GB = 1000**3


def mac_for(seed: str, index: int = 0) -> str:
    """A stable, locally administered MAC address derived from ``seed``."""
    digest = uuid_module.uuid5(uuid_module.NAMESPACE_OID, f"{seed}/{index}").bytes
    return "52:54:" + ":".join(f"{byte:02x}" for byte in digest[:4])


def processors_from(spec: Any) -> list[dict[str, Any]]:
    """Processor records from a spec (a count or a list of dicts)."""
    if isinstance(spec, int):
        spec = [{} for _ in range(spec)]
    result = []
    for index, proc in enumerate(spec):
        kind = proc.get("type", "CPU")
        result.append(
            {
                "id": proc.get("id", f"{kind}{index}"),
                "socket": proc.get("socket", f"{kind} {index}"),
                "type": kind,
                "model": proc.get("model", "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz"),
                "vendor": proc.get("vendor", "Intel(R) Corporation"),
                "cores": int(proc.get("cores", 8)),
                "threads": int(proc.get("threads", 2 * int(proc.get("cores", 8)))),
                "speed_mhz": int(proc.get("speed_mhz", 2000)),
            }
        )
    return result


def memory_from(spec: Any) -> list[dict[str, Any]]:
    """Memory module records from a spec (a count of 16 GiB DIMMs or dicts)."""
    if isinstance(spec, int):
        spec = [{} for _ in range(spec)]
    return [
        {
            "id": dimm.get("id", f"DIMM{index}"),
            "capacity_mib": int(dimm.get("capacity_mib", 16384)),
            "device_type": dimm.get("device_type", "DDR4"),
            "speed_mhz": int(dimm.get("speed_mhz", 3200)),
        }
        for index, dimm in enumerate(spec)
    ]


def drives_from(spec: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """Drive records from a list of dicts."""
    return [
        {
            "id": drive.get("id", f"{prefix}Disk.{index}"),
            "name": drive.get("name", f"Physical Disk {index}"),
            "capacity_bytes": int(drive.get("capacity_bytes", 480 * GB)),
            "media_type": drive.get("media_type", "SSD"),
            "protocol": drive.get("protocol", "SAS"),
        }
        for index, drive in enumerate(spec)
    ]


def storage_from(spec: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Storage (controller) records with their drives and volumes."""
    result = []
    for index, ctl in enumerate(spec):
        storage_id = ctl.get("id", f"RAID.Integrated.{index + 1}")
        result.append(
            {
                "id": storage_id,
                "name": ctl.get("name", f"RAID Controller {index + 1}"),
                "raid_types": list(ctl.get("raid_types", ["RAID0", "RAID1", "RAID10"])),
                "drives": drives_from(ctl.get("drives", []), ""),
                "volumes": [dict(vol) for vol in ctl.get("volumes", [])],
            }
        )
    return result


DEFAULT_STORAGE = [{"drives": [{}, {}]}]


def normalize_system(spec: dict[str, Any]) -> dict[str, Any]:
    """A system record from a test's spec (every field has a default).

    The spec is sushy-tools' fake-system dict (``uuid``, ``name``,
    ``power_state``, ``nics: [{mac, ip}]``) plus the team's keys:
    ``processors`` (count or list), ``memory`` (count of 16 GiB DIMMs or a
    list), ``storage`` (controllers with ``drives`` and ``volumes``),
    ``bios`` (attribute overrides), ``bios_version``, ``bmc_version``,
    ``features`` (subset of ``FEATURES``: what this BMC supports).
    """
    system_uuid = str(spec.get("uuid") or uuid_module.uuid4())
    name = spec.get("name") or f"system-{system_uuid[:8]}"
    nics = spec.get("nics") or [{"mac": mac_for(system_uuid)}]
    features = spec.get("features", FEATURES)
    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}")
    power = spec.get("power_state", "Off")
    return {
        "uuid": system_uuid,
        "name": name,
        "power_state": power,
        "external_notifier": False,
        "nics": [{"mac": nic["mac"], "ip": nic.get("ip")} for nic in nics],
        "processors": processors_from(spec.get("processors", 2)),
        "memory": memory_from(spec.get("memory", 4)),
        "storage": storage_from(spec.get("storage", DEFAULT_STORAGE)),
        "features": list(features),
        "bios": bios.initial_attributes(name, spec.get("bios", {})),
        "bios_pending": {},
        "bios_settings": {"time": None, "messages": [], "etag": 1},
        "versions": {
            "BiosVersion": spec.get("bios_version", "1.0.0"),
            "BmcVersion": spec.get("bmc_version", "1.00"),
        },
        "boot_device": "None",
        "boot_enabled": "Disabled",
        "boot_mode": spec.get("boot_mode", "UEFI"),
        "boot_progress": "OSRunning" if power == "On" else "None",
        "booting_until": None,
        "boot_count": 0,
        "last_boot": None,
        # NOTE: the installer's last run, and what it wrote to the disk.
        "install": None,
        "disk": None,
        "pending_power": None,
        "system_type": spec.get("system_type", "Physical"),
        "resource_blocks": list(spec.get("resource_blocks", [])),
        "status": "Enabled",
        "ready_at": None,
    }


class Store:
    """Everything this emulator process knows, behind ``lock``."""

    def __init__(self) -> None:
        """An empty store (no systems, no pool, no faults, no delays)."""
        self.lock = threading.RLock()
        self.systems: dict[str, dict[str, Any]] = {}
        self.delays = dict.fromkeys(DELAYS, 0.0)
        self.faults: list[dict[str, Any]] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        self.task_counter = 0
        self.sessions: dict[str, dict[str, Any]] = {}
        self.session_counter = 0
        self.pool: dict[str, Any] | None = None
        # NOTE: bumped by reset(): work a previous test left running (a
        # firmware task's thread) must not touch the next test's systems.
        self.generation = 0
        # NOTE: the configuration's systems are loaded once, unless a reset
        # (from the tests) came first.
        self.seeded = False
        self.requests: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=REQUEST_LOG_SIZE
        )
        # NOTE: set by the plugin: (system uuid, device) -> (image URL,
        # inserted), and ejecting every device of a system.
        self.media_info: Callable[[str, str], tuple[str, bool]] = lambda _s, _d: (
            "",
            False,
        )
        self.eject_all: Callable[[str], None] = lambda _s: None
        # NOTE: set by the plugin too: (system uuid, device) -> the local
        # copy of the inserted medium (None: nothing inserted).
        self.media_file: Callable[[str, str], str | None] = lambda _s, _d: None

    def reset(self, systems: list[dict[str, Any]]) -> None:
        """Forget everything and start over with these system specs."""
        with self.lock:
            for system_uuid in list(self.systems):
                self.eject_all(system_uuid)
            self.systems.clear()
            for spec in systems:
                self.add_system(spec)
            self.delays = dict.fromkeys(DELAYS, 0.0)
            self.faults.clear()
            self.tasks.clear()
            self.sessions.clear()
            self.pool = None
            self.requests.clear()
            self.generation += 1
            self.seeded = True

    def add_system(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Add a system from a spec; its record.

        Raises:
            ValueError: the spec is invalid or its uuid or name is taken.
        """
        record = normalize_system(spec)
        with self.lock:
            if record["uuid"] in self.systems:
                raise ValueError(f"system {record['uuid']} exists")
            if any(s["name"] == record["name"] for s in self.systems.values()):
                raise ValueError(f"a system is named {record['name']}")
            self.systems[record["uuid"]] = record
        return record

    # ------------------------------------------------------------ faults

    def add_fault(self, fault: dict[str, Any]) -> None:
        """Script a failure (see ``control`` for the fields)."""
        with self.lock:
            self.faults.append(dict(fault))

    def take_fault(
        self,
        action: str,
        system: str | None = None,
        path: str = "",
        method: str = "",
        blocks: tuple[str, ...] = (),
    ) -> dict[str, Any] | None:
        """The first scripted fault for ``action`` on ``system``, consumed once.

        A fault without ``system`` matches every system; ``http`` faults
        match a method (any when absent) and a path prefix; a fault with a
        ``block`` matches only compositions of that block (``blocks``).
        """
        with self.lock:
            for fault in self.faults:
                if fault["action"] != action:
                    continue
                if fault.get("block") and fault["block"] not in blocks:
                    continue
                if fault.get("system") and fault["system"] not in {
                    system,
                    self._name_of(system),
                }:
                    continue
                if action == "http" and not (
                    path.startswith(fault.get("path", "/"))
                    and fault.get("method", method).upper() == method.upper()
                ):
                    continue
                times = fault.get("times")
                if times is not None:
                    fault["times"] = times - 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                return copy.deepcopy(fault)
        return None

    def _name_of(self, system: str | None) -> str | None:
        record = self.systems.get(system or "")
        return record["name"] if record else None

    # ------------------------------------------------------------ log

    def log(self, entry: dict[str, Any]) -> None:
        """Record one request (method, path, status, how it authenticated)."""
        entry["at"] = time.time()
        self.requests.append(entry)


STORE = Store()
