"""The fake systems driver: sushy-tools' FakeDriver with what a test BMC needs.

Installed in place of ``fakedriver.FakeDriver`` before the emulator starts.
Differences from the stock driver:

- systems live in ``state.STORE`` (memory, shared with the team's views) and
  can be added, removed and reset while the emulator runs;
- power changes are immediate, or take ``delays["power"]`` seconds (the
  stock driver waits a random 1-11 s); a reset action can be scripted to
  fail;
- powering on *boots*: pending BIOS settings are applied (or fail, when
  scripted), the boot source is chosen (a ``Once`` override is consumed, a
  ``Cd`` override boots the inserted virtual medium), and ``BootProgress``
  moves to ``OSRunning`` (after ``delays["boot"]``; never, when a boot
  failure is scripted); booting the installer ISO from the CD installs
  (``installer``), booting the disk boots what was installed;
- BIOS attributes, firmware versions, processors and memory come from the
  system's record.
"""

import time
from typing import Any

from sushy_tools import error
from sushy_tools.emulator.resources.systems import fakedriver

from . import bios, installer, redfish
from .state import STORE

ON_STATES = {"On", "ForceOn"}
OFF_STATES = {"ForceOff", "GracefulShutdown"}
RESTART_STATES = {"GracefulRestart", "ForceRestart", "PowerCycle"}


def fault_error(
    fault: dict[str, Any], default_status: int, what: str
) -> redfish.RedfishError:
    """The error a scripted fault answers with."""
    return redfish.RedfishError(
        int(fault.get("status") or default_status),
        "GeneralError",
        text=fault.get("message") or f"scripted failure: {what}",
    )


class Driver(fakedriver.FakeDriver):
    """Fake systems over ``STORE``, with realistic power, boot and BIOS."""

    def __init__(self) -> None:
        """Load the configured systems into the store (no PersistentDict)."""
        # NOTE: the parent's __init__ keeps systems in an SQLite-backed dict;
        # this driver keeps them in memory, shared with the team's views.
        self._systems = STORE.systems
        with STORE.lock:
            if not STORE.seeded:
                for spec in self._config.get("SUSHY_EMULATOR_FAKE_SYSTEMS", []):
                    STORE.add_system(spec)
                STORE.seeded = True

    @property
    def _by_name(self) -> dict[str, str]:
        return {record["name"]: uuid for uuid, record in STORE.systems.items()}

    @property
    def systems(self) -> list[str]:
        """The uuids of the systems, in the order they were added."""
        with STORE.lock:
            return list(STORE.systems)

    def record(self, identity: str) -> dict[str, Any]:
        """The live record of a system by uuid (by name: an alias redirect).

        Raises:
            error.NotFound: no such system.
            error.AliasAccessError: ``identity`` is a name (the app redirects).
        """
        with STORE.lock:
            system = STORE.systems.get(identity)
            if system is None:
                system_uuid = self._by_name.get(identity)
                if system_uuid is None:
                    raise error.NotFound(f"Fake system {identity} was not found")
                raise error.AliasAccessError(system_uuid)
            self._tick(system)
            return system

    def _get(self, identity: str) -> dict[str, Any]:
        return self.record(identity)

    def _update(self, system: Any, **changes: Any) -> None:
        with STORE.lock:
            if isinstance(system, str):
                system = self.record(system)
            system.update(changes)

    # ------------------------------------------------------------ power

    def _tick(self, system: dict[str, Any]) -> None:
        """Apply what became due: a delayed power change, the end of a boot."""
        now = time.time()
        pending = system.get("pending_power")
        if pending and now >= pending["apply_time"]:
            system["pending_power"] = None
            self._apply_power(system, pending["power_state"], now)
        ready = system.get("ready_at")
        if ready is not None and now >= ready:
            # NOTE: a composed system is usable once its composition ends.
            system["ready_at"] = None
            system["status"] = "Enabled"
        until = system.get("booting_until")
        if until is not None and now >= until:
            system["booting_until"] = None
            system["boot_progress"] = "OSRunning"
        installer.tick(system, now, lambda: self._apply_power(system, "Off", now))

    def _apply_power(self, system: dict[str, Any], target: str, now: float) -> None:
        if target == "Off":
            installer.abort(system, now)
            system["power_state"] = "Off"
            system["boot_progress"] = "None"
            system["booting_until"] = None
        elif target == "On" and system["power_state"] != "On":
            system["power_state"] = "On"
            self._boot(system, now)

    def _boot(self, system: dict[str, Any], now: float) -> None:
        """Power-on self test and boot: BIOS settings, boot source, progress."""
        fault = STORE.take_fault("bios.apply", system["uuid"])
        failure = None
        if fault is not None:
            failure = fault.get("message") or "scripted failure: BIOS settings apply"
        bios.apply_pending(system, now, failure)
        device = "Hdd"
        image = None
        if system["boot_enabled"] in {"Once", "Continuous"}:
            device = system["boot_device"]
            if system["boot_enabled"] == "Once":
                system["boot_enabled"] = "Disabled"
                system["boot_device"] = "None"
        if device in {"Cd", "Floppy", "Usb"}:
            medium = "Cd" if device == "Cd" else "Floppy"
            url, inserted = STORE.media_info(system["uuid"], medium)
            # NOTE: firmware falls through to the disk when the override's
            # device holds no medium.
            if inserted and url:
                image = url
            else:
                device = "Hdd"
        if device == "Hdd":
            # NOTE: the disk boots what an installer wrote to it, if anything.
            image = (system.get("disk") or {}).get("image_url")
        system["boot_count"] += 1
        system["last_boot"] = {"device": device, "image": image, "at": now}
        if STORE.take_fault("boot", system["uuid"]) is not None:
            # NOTE: a boot that never completes (a bad image, a hung POST).
            system["boot_progress"] = "OSBootStarted"
            system["booting_until"] = None
            return
        if device == "Cd" and installer.is_installer(system["uuid"]):
            installer.start(system, now)
        if STORE.delays["boot"] > 0:
            system["boot_progress"] = "OSBootStarted"
            system["booting_until"] = now + STORE.delays["boot"]
        else:
            system["boot_progress"] = "OSRunning"

    def set_power_state(self, identity: str, state: str) -> None:
        """A ComputerSystem.Reset: immediate, delayed, or a scripted failure.

        Raises:
            redfish.RedfishError: a scripted ``power`` fault.
            error.NotSupportedError: an unknown reset type.
        """
        with STORE.lock:
            system = self.record(identity)
            if system.get("ready_at") is not None:
                raise redfish.RedfishError(
                    409, "ResourceInUse", text="the system is still being composed"
                )
            fault = STORE.take_fault("power", system["uuid"])
            if fault is not None:
                raise fault_error(fault, 500, f"power {state}")
            now = time.time()
            delay = STORE.delays["power"]
            if state in ON_STATES:
                target = "On"
            elif state in OFF_STATES:
                target = "Off"
            elif state in RESTART_STATES:
                self._apply_power(system, "Off", now)
                target = "On"
            elif state == "PushPowerButton":
                target = "Off" if system["power_state"] == "On" else "On"
            elif state == "Nmi":
                return
            else:
                raise error.NotSupportedError(f"Power state {state} is not supported")
            if delay > 0:
                system["pending_power"] = {
                    "power_state": target,
                    "apply_time": now + delay,
                }
            else:
                system["pending_power"] = None
                self._apply_power(system, target, now)

    # ------------------------------------------------------------ boot

    def get_boot_device(self, identity: str) -> str:
        """The boot source override target."""
        return self.record(identity)["boot_device"]

    def set_boot_device(self, identity: str, boot_source: str) -> None:
        """Set the override target (its ``Enabled`` is set by the PATCH view)."""
        self._update(identity, boot_device=boot_source)

    # ------------------------------------------------------------ BIOS

    def _supports(self, identity: str, feature: str) -> dict[str, Any]:
        system = self.record(identity)
        if feature not in system["features"]:
            raise error.NotSupportedError(f"{feature} is not supported")
        return system

    def get_bios(self, identity: str) -> dict[str, Any]:
        """The current BIOS attributes (write-only ones read as null)."""
        return bios.visible(self._supports(identity, "bios")["bios"])

    def set_bios(self, identity: str, attributes: dict[str, Any]) -> None:
        """Queue validated settings for the next reset."""
        with STORE.lock:
            system = self._supports(identity, "bios")
            for name, value in attributes.items():
                bios.check(name, value)
            system["bios_pending"].update(attributes)

    def reset_bios(self, identity: str) -> None:
        """Queue every attribute's default for the next reset."""
        with STORE.lock:
            system = self._supports(identity, "bios")
            values = bios.defaults()
            del values["SystemServiceTag"]
            system["bios_pending"].update(values)

    # ------------------------------------------------------------ firmware

    def get_versions(self, identity: str) -> dict[str, str]:
        """Firmware versions (``BiosVersion``, ``BmcVersion``)."""
        return dict(self._supports(identity, "firmware")["versions"])

    def set_versions(self, identity: str, firmware_versions: dict[str, str]) -> None:
        """Record flashed firmware versions."""
        with STORE.lock:
            self._supports(identity, "firmware")["versions"].update(firmware_versions)

    def reset_versions(self, identity: str) -> None:
        """Back to the factory firmware."""
        self.set_versions(identity, {"BiosVersion": "1.0.0", "BmcVersion": "1.00"})

    # ------------------------------------------------------------ inventory

    def get_processors(self, identity: str) -> list[dict[str, Any]]:
        """Processor records (empty: the system has none)."""
        return list(self.record(identity)["processors"])

    def get_total_cpus(self, identity: str) -> int:
        """The number of processors."""
        return len(self.record(identity)["processors"])

    def get_total_memory(self, identity: str) -> int:
        """Total memory in GiB."""
        mib = sum(m["capacity_mib"] for m in self.record(identity)["memory"])
        return mib // 1024

    def get_nics(self, identity: str) -> list[dict[str, str]]:
        """Ethernet interfaces (id = MAC, as the stock driver has it)."""
        return [
            {"id": nic["mac"], "mac": nic["mac"]}
            for nic in self.record(identity)["nics"]
        ]

    def find_or_create_storage_volume(self, data: dict[str, Any]) -> str:
        """Unused: the team's storage views own volumes."""
        return str(data["Id"])
