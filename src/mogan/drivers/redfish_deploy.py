"""The phases of a Redfish deploy and teardown, one BMC step at a time.

A deploy (or rebuild) goes through ``DEPLOY_PHASES``: firmware updates
started, then waited for (their tasks), RAID volumes created, BIOS settings
written (applied at the coming boot), virtual media inserted (the image on
the CD, the config drive on the removable device: ``USBStick``/``Floppy``,
else a second CD), a one-time boot override to ``Cd``, power on (or a
restart when on), then ``booting`` until the system reports that it booted
from the medium:

    DONE when the power is on, the one-time override has been consumed
    (``BootSourceOverrideEnabled`` back to ``Disabled``: only a boot does
    that), the CD still holds the deploy's image and, on BMCs that report
    ``BootProgress``, ``LastState`` is ``OSRunning``.

A disk image (``redfish_install``) takes the installer path: the
installer ISO on the CD with the config drive medium (which carries the
install instructions), a one-time boot from ``Cd``, power on, then
``installing`` until the installer has powered the system off (the
override consumed and the power off: only a boot and a shut down do both);
``disk`` ejects both media and sets a one-time boot from ``Hdd``, power on
again (``boot_disk``), and ``booting`` as above, except that the CD must be
empty (the system booted its disk). An installer that fails leaves the
system on: past ``[engine] deploy_timeout`` the waiting phase fails the
deploy, naming itself (so does ``booting``).

A BIOS apply the BMC reports failed (``@Redfish.Settings`` messages) fails
the deploy. A teardown goes through ``TEARDOWN_PHASES``: media ejected,
power off, RAID volumes deleted, BIOS restored (a boot to apply it when the
BMC cannot apply at once, then off again).

Each phase function takes a ``Step`` (the system, the operation's JSON,
the node's hardware record) and moves ``op["phase"]`` on, or leaves it to
wait; it raises on a BMC failure (the caller records it). The node store
and its compare-and-set are the driver's (``redfish``).

What must not live here: the checks and calls of each hardware section
(``redfish_hardware``).
"""

import dataclasses
import time
from collections.abc import Callable
from typing import Any, NoReturn

import sushy

from mogan.drivers import errors
from mogan.drivers import inventory as inv
from mogan.drivers import redfish_hardware as rhw
from mogan.drivers import redfish_inventory as rinv

CD_TYPES = {sushy.VirtualMediaType.CD, sushy.VirtualMediaType.DVD}
REMOVABLE_TYPES = {sushy.VirtualMediaType.USB_STICK, sushy.VirtualMediaType.FLOPPY}
ON = sushy.PowerState.ON
OFF = sushy.PowerState.OFF


class Wait(Exception):
    """The phase waits for the BMC (poll again later)."""


@dataclasses.dataclass
class Step:
    """What a phase works on.

    Attributes:
        root: the BMC's sushy root.
        system: the node's sushy System (fresh for this poll).
        op: the operation's JSON (``phase``, ``image_url``, ``config_url``,
            ``installer_url`` (set: the installer path) ...), changed in
            place.
        hardware: the node's hardware record (``redfish_hardware``), in place.
        policy: ``[hardware] restore_bios``.
        timeout: ``[engine] deploy_timeout``: how long after the operation
            started a phase may still wait (0: no bound of its own).
    """

    root: Any
    system: Any
    op: dict[str, Any]
    hardware: dict[str, Any]
    policy: str = "previous"
    timeout: float = 0.0
    _registry: dict[str, inv.BiosAttribute] | None = None

    def registry(self) -> dict[str, inv.BiosAttribute]:
        """The BIOS registry (read once per step)."""
        if self._registry is None:
            self._registry = rinv.bios(self.system)
        return self._registry

    def go(self, phase: str) -> None:
        """Move on to ``phase``."""
        self.op["phase"] = phase

    def wait(self, what: str) -> NoReturn:
        """Wait for the BMC, unless the operation is past its timeout.

        Raises:
            Wait: still within the timeout.
            DriverError: past it (naming the phase and ``what`` it waits for).
        """
        started = float(self.op.get("started") or 0.0)
        if self.timeout and started and time.time() - started > self.timeout:
            raise errors.DriverError(
                node=self.system.identity,
                reason=f"{self.op['phase']}: after {self.timeout:.0f} s, {what}",
            )
        raise Wait


# ---------------------------------------------------------------- media


def _devices(system: Any) -> tuple[Any, Any]:
    """(the CD device, the device for the config drive or None)."""
    members = system.virtual_media.get_members()
    cds = [m for m in members if set(m.media_types or ()) & CD_TYPES]
    if not cds:
        raise errors.DriverError(
            node=system.identity, reason="the BMC has no virtual CD"
        )
    removable = [
        m
        for m in members
        if set(m.media_types or ()) & REMOVABLE_TYPES and m not in cds
    ]
    second = removable[0] if removable else (cds[1] if len(cds) > 1 else None)
    return cds[0], second


def eject_all(system: Any) -> None:
    """Eject every inserted virtual medium."""
    try:
        members = system.virtual_media.get_members()
    except sushy.exceptions.MissingAttributeError:
        return
    for medium in members:
        if medium.inserted or medium.image:
            _eject_medium(medium)


def _eject_medium(medium: Any) -> None:
    """Eject, then check: sushy 5.14 swallows an eject answered with a 5xx."""
    medium.eject_media()
    medium.refresh(force=True)
    if medium.inserted:
        raise errors.DriverError(
            node=medium.identity,
            reason=f"the BMC did not eject virtual medium {medium.identity}",
        )


def _insert(medium: Any, url: str) -> None:
    if medium.inserted or medium.image:
        if medium.image == url and medium.inserted:
            return
        _eject_medium(medium)
    medium.insert_media(url, inserted=True, write_protected=True)


def insert_media(system: Any, image_url: str, config_url: str | None) -> None:
    """The image on the CD, the config drive on a second device."""
    cd, second = _devices(system)
    if config_url is not None and second is None:
        raise errors.DriverError(
            node=system.identity,
            reason="the BMC has a single virtual medium: no room for the config drive",
        )
    _insert(cd, image_url)
    if config_url is not None:
        _insert(second, config_url)


def _cd_image(system: Any) -> str | None:
    cd, _ = _devices(system)
    return str(cd.image) if cd.inserted and cd.image else None


# ---------------------------------------------------------------- deploy


def _firmware_start(step: Step) -> None:
    updates = step.hardware.get("updates") or []
    if updates and not step.hardware.get("tasks"):
        step.hardware["tasks"] = rhw.start_firmware(step.root, step.system, updates)
    step.go("firmware_wait" if updates else "raid")


def _firmware_wait(step: Step) -> None:
    ended, failure = rhw.firmware_progress(step.root, step.hardware.get("tasks") or [])
    if not ended:
        raise Wait
    if failure:
        raise SectionFailed("firmware", failure)
    step.go("raid")


def _raid(step: Step) -> None:
    volumes = (step.hardware.get("plan") or {}).get("raid") or []
    old = step.hardware.get("old_volumes") or []
    if volumes and old:
        # NOTE: volumes an earlier attempt made hold the drives: free them.
        rhw.delete_volumes(step.system, old)
        step.hardware["old_volumes"] = []
    if volumes and not step.hardware.get("volumes"):
        step.hardware["volumes"] = rhw.create_volumes(step.system, volumes)
    step.go("bios")


def _bios(step: Step) -> None:
    settings = step.op.get("bios") or {}
    if settings:
        saved = step.hardware.setdefault("saved_bios", {})
        current = step.system.bios.attributes or {}
        for name in settings:
            # NOTE: the value before Mogan's first change is what teardown
            # restores, however many deploys of the server set it since.
            if name not in saved:
                saved[name] = rinv.text_value(current.get(name))
        rhw.set_bios(step.system, settings, step.registry())
    step.go("media")


def _media(step: Step) -> None:
    cd_url = step.op.get("installer_url") or step.op["image_url"]
    insert_media(step.system, cd_url, step.op.get("config_url"))
    step.system.set_system_boot_options(
        sushy.BootSource.CD, enabled=sushy.BootSourceOverrideEnabled.ONCE
    )
    step.go("boot")


def boot(system: Any) -> None:
    """Power on, or restart a system that is on (it boots the override)."""
    if system.power_state == OFF:
        system.reset_system(sushy.ResetType.ON)
    else:
        system.reset_system(sushy.ResetType.FORCE_RESTART)


POWER_ON_PHASES = ("boot", "boot_disk")
"""Phases the driver claims before powering the node (never twice)."""


def after_power_on(op: dict[str, Any]) -> str:
    """The phase a claimed power-on phase moves to."""
    if op["phase"] == "boot" and op.get("installer_url"):
        return "installing"
    return "booting"


def _consumed(system: Any) -> bool:
    """Whether the one-time boot override was used (only a boot does that)."""
    return bool(system.boot.enabled == sushy.BootSourceOverrideEnabled.DISABLED)


def _installing(step: Step) -> None:
    system = step.system
    # NOTE: off with the override still pending is a power-on not yet
    # applied; off after the boot consumed it is the installer's shut down.
    if system.power_state == OFF and _consumed(system):
        step.go("disk")
        return
    step.wait(
        "the installer has not powered the system off (an installer that "
        "fails leaves it on: see its console)"
    )


def _disk(step: Step) -> None:
    eject_all(step.system)
    step.system.set_system_boot_options(
        sushy.BootSource.HDD, enabled=sushy.BootSourceOverrideEnabled.ONCE
    )
    step.go("boot_disk")


def _booting(step: Step) -> None:
    system = step.system
    if system.power_state != ON:
        step.wait("the system is not on")
    if not _consumed(system):
        step.wait("the system has not booted (the one-time boot override is unused)")
    progress = system.boot_progress
    if (
        progress is not None
        and progress.last_state is not None
        and progress.last_state != sushy.BootProgressStates.OS_RUNNING
    ):
        step.wait(f"the system has not booted (BootProgress {progress.last_state})")
    if step.op.get("installer_url"):
        if _cd_image(system) is not None:
            raise errors.DriverError(
                node=system.identity,
                reason="booting: a CD is inserted: the system did not boot its disk",
            )
    elif _cd_image(system) != step.op["image_url"]:
        raise errors.DriverError(
            node=system.identity, reason="the system booted without the deploy's CD"
        )
    if step.op.get("bios"):
        failure = rhw.bios_outcome(system)
        if failure:
            raise SectionFailed("bios", failure)
    step.go("done")


class SectionFailed(Exception):
    """A hardware section failed (its name and the reason)."""

    def __init__(self, section: str, reason: str) -> None:
        """Remember which section."""
        super().__init__(reason)
        self.section = section
        self.reason = reason


DEPLOY_PHASES: dict[str, Callable[[Step], None]] = {
    "firmware_start": _firmware_start,
    "firmware_wait": _firmware_wait,
    "raid": _raid,
    "bios": _bios,
    "media": _media,
    # NOTE: "boot" and "boot_disk" (POWER_ON_PHASES) are run by the driver
    # after it claims the phase, so that two pollers never power the node
    # twice.
    "installing": _installing,
    "disk": _disk,
    "booting": _booting,
}
SECTION_OF_PHASE = {
    "firmware_start": "firmware",
    "firmware_wait": "firmware",
    "raid": "raid",
    "bios": "bios",
}


# ---------------------------------------------------------------- teardown


def _eject_and_off(step: Step) -> None:
    eject_all(step.system)
    if step.system.power_state != OFF:
        step.system.reset_system(sushy.ResetType.FORCE_OFF)
    step.go("wait_off")


def _wait_off(step: Step) -> None:
    if step.system.power_state != OFF:
        raise Wait
    step.go("restore")


def _restore(step: Step) -> None:
    volumes = step.hardware.get("volumes") or []
    if volumes:
        rhw.delete_volumes(step.system, volumes)
        step.hardware["volumes"] = []
    saved = step.hardware.get("saved_bios") or {}
    needs_boot = False
    if saved:
        needs_boot = rhw.restore_bios(step.system, step.policy, saved, step.registry())
        step.hardware["saved_bios"] = {}
    if needs_boot:
        step.system.reset_system(sushy.ResetType.ON)
        step.go("apply_bios")
    else:
        step.go("finish")


def _apply_bios(step: Step) -> None:
    system = step.system
    if system.power_state != ON:
        raise Wait
    progress = system.boot_progress
    if progress is not None and progress.last_state not in {
        None,
        sushy.BootProgressStates.OS_RUNNING,
    }:
        raise Wait
    failure = rhw.bios_outcome(system)
    if failure:
        raise errors.DriverError(node=system.identity, reason=failure)
    system.reset_system(sushy.ResetType.FORCE_OFF)
    step.go("wait_off_final")


def _wait_off_final(step: Step) -> None:
    if step.system.power_state != OFF:
        raise Wait
    step.go("finish")


TEARDOWN_PHASES: dict[str, Callable[[Step], None]] = {
    "eject": _eject_and_off,
    "wait_off": _wait_off,
    "restore": _restore,
    "apply_bios": _apply_bios,
    "wait_off_final": _wait_off_final,
}
