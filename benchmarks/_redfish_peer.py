"""Redfish benchmark, the peer: bare sushy doing a deploy's BMC work, no Mogan.

For every system, on the same emulator Mogan uses, what Mogan's redfish
driver asks of a BMC for a deploy without a hardware request, written
directly against sushy (none of Mogan's code):

- deploy: ``InsertMedia`` of the image ISO on the virtual CD and of a
  config-drive ISO on the removable device (``Floppy``/``USBStick``), one
  ``PATCH Boot {Cd, Once}``, ``Reset On``; then a ``GET`` of the system
  every ``poll`` seconds until it reports booted by the rule the driver
  uses (``redfish_deploy``'s docstring): power on, the one-time override
  consumed (``BootSourceOverrideEnabled`` back to ``Disabled``),
  ``BootProgress.LastState`` ``OSRunning`` when reported, and the CD
  still holding the image (a read of the virtual media, once the rest
  holds);
- teardown: every inserted medium ejected, ``Reset ForceOff``, then a
  ``GET`` every ``poll`` seconds until ``PowerState`` is ``Off``.

Concurrency mirrors Mogan's engine: ``[engine] workers`` workflow steps run
at once and a deploy waiting between polls holds no worker. So every
system has a thread of its own, and a semaphore of ``workers`` is held
while a thread talks to the BMC (never while it sleeps). One ``sushy.Sushy``
(one Redfish session) is shared by every thread, as Mogan's driver shares
one per BMC address.
"""

import dataclasses
import statistics
import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any

import sushy
from _provision_common import BenchError, pct

CD_TYPES = {sushy.VirtualMediaType.CD, sushy.VirtualMediaType.DVD}
REMOVABLE_TYPES = {sushy.VirtualMediaType.USB_STICK, sushy.VirtualMediaType.FLOPPY}


@dataclasses.dataclass
class Timing:
    """One phase over every system: wall time and per-system latencies.

    Also the Redfish requests the emulator served, the CPU seconds of the
    side (this process for the peer, the all-in-one for Mogan) and of the
    emulator over the phase.
    """

    wall: float
    latencies: list[float]
    requests: int = 0
    cpu: float = 0.0
    bmc_cpu: float = 0.0

    @property
    def p50(self) -> float:
        """The median per-system (per-server) latency."""
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        """The 95th percentile per-system latency."""
        return pct(self.latencies, 0.95)


@dataclasses.dataclass(frozen=True)
class Target:
    """One system the peer deploys: its path and the two media URLs."""

    path: str
    image_url: str
    config_url: str


def _devices(system: Any) -> tuple[Any, Any]:
    members = system.virtual_media.get_members()
    cds = [m for m in members if set(m.media_types or ()) & CD_TYPES]
    removable = [m for m in members if set(m.media_types or ()) & REMOVABLE_TYPES]
    if not cds or not removable:
        raise BenchError(f"{system.identity}: no virtual CD and removable device")
    return cds[0], removable[0]


def booted(system: Any, image_url: str) -> bool:
    """The driver's completion rule (``redfish_deploy._booting``)."""
    if system.power_state != sushy.PowerState.ON:
        return False
    if system.boot.enabled != sushy.BootSourceOverrideEnabled.DISABLED:
        return False
    progress = system.boot_progress
    if (
        progress is not None
        and progress.last_state is not None
        and progress.last_state != sushy.BootProgressStates.OS_RUNNING
    ):
        return False
    cd, _ = _devices(system)
    if not (cd.inserted and cd.image == image_url):
        raise BenchError(f"{system.identity} booted without the image on its CD")
    return True


class Peer:
    """Bare sushy on one emulator, ``workers`` BMC conversations at a time."""

    def __init__(self, root: Any, workers: int, poll: float, timeout: float) -> None:
        """Use the sushy ``root``; poll every ``poll`` s, give up after ``timeout``."""
        self.root = root
        self.gate = threading.BoundedSemaphore(workers)
        self.poll = poll
        self.timeout = timeout

    def _wait(self, path: str, done: Callable[[Any], bool], t0: float) -> float:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            time.sleep(self.poll)
            with self.gate:
                if done(self.root.get_system(path)):
                    return time.monotonic() - t0
        raise BenchError(f"{path}: not done after {self.timeout:.0f} s")

    def deploy_one(self, target: Target, t0: float) -> float:
        """Media, boot override, power on, then poll until booted."""
        with self.gate:
            system = self.root.get_system(target.path)
            cd, removable = _devices(system)
            cd.insert_media(target.image_url, inserted=True, write_protected=True)
            removable.insert_media(
                target.config_url, inserted=True, write_protected=True
            )
            system.set_system_boot_options(
                sushy.BootSource.CD, enabled=sushy.BootSourceOverrideEnabled.ONCE
            )
            system.reset_system(sushy.ResetType.ON)
        return self._wait(target.path, lambda s: booted(s, target.image_url), t0)

    def teardown_one(self, target: Target, t0: float) -> float:
        """Eject every medium, force off, then poll until off."""
        with self.gate:
            system = self.root.get_system(target.path)
            for medium in system.virtual_media.get_members():
                if medium.inserted:
                    medium.eject_media()
            system.reset_system(sushy.ResetType.FORCE_OFF)
        return self._wait(
            target.path, lambda s: s.power_state == sushy.PowerState.OFF, t0
        )

    def run(self, targets: list[Target], phase: str) -> Timing:
        """Every system at once (``deploy`` or ``teardown``); the timing."""
        work = self.deploy_one if phase == "deploy" else self.teardown_one
        t0, cpu0 = time.monotonic(), time.process_time()
        with futures.ThreadPoolExecutor(len(targets)) as pool:
            latencies = list(pool.map(lambda t: work(t, t0), targets))
        return Timing(time.monotonic() - t0, latencies, cpu=time.process_time() - cpu0)
