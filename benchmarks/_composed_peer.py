"""Composition benchmark, the peer: the emulator's own compose + boot, no Mogan.

For every system, on the same emulator Mogan uses, the Redfish work a
composed server needs, written directly against sushy's connector (none
of Mogan's code):

- compose + boot: ``POST /redfish/v1/Systems`` with ``Links.ResourceBlocks``
  (the same blocks Mogan would claim: one Compute block per system), a
  ``GET`` of its blocks every ``poll`` seconds until each is ``Composed``;
  then the deploy of ``_redfish_peer.Peer`` on the new system (image and
  config drive as virtual media, boot once from the CD, power on, poll
  until booted);
- teardown + decompose: ``_redfish_peer.Peer``'s teardown (eject, force
  off, poll until off), ``DELETE`` the system, then a ``GET`` every
  ``poll`` seconds until it is gone and its blocks are ``Unused``.

Concurrency as in ``_redfish_peer``: a thread per system, ``workers``
conversations with the service at a time, none held while sleeping.
"""

import dataclasses
import time
from concurrent import futures
from typing import Any

from _provision_common import BenchError
from _redfish_peer import Peer, Target, Timing

SYSTEMS = "/redfish/v1/Systems"
BLOCKS = "/redfish/v1/CompositionService/ResourceBlocks"
COMPOSED = {"Composed", "ComposedAndAvailable"}


@dataclasses.dataclass(frozen=True)
class Composition:
    """One system the peer composes: its name, its blocks, its media."""

    name: str
    blocks: tuple[str, ...]
    image_url: str
    config_url: str


class ComposingPeer(Peer):
    """``Peer`` plus compose and decompose through the connector."""

    def __init__(self, root: Any, workers: int, poll: float, timeout: float) -> None:
        """As ``Peer``; the connector is the sushy root's session."""
        super().__init__(root, workers, poll, timeout)
        self.conn = root._conn  # noqa: SLF001 - sushy models no compose: raw requests
        self.paths: dict[str, str] = {}

    def _states(self, path: str) -> list[str] | None:
        """The CompositionStatus of a system's blocks; None when it is gone."""
        resp = self.conn.get(path)
        links = (resp.json().get("Links") or {}).get("ResourceBlocks") or []
        return [
            str(
                (
                    self.conn.get(link["@odata.id"]).json().get("CompositionStatus")
                    or {}
                ).get("CompositionState")
            )
            for link in links
        ]

    def _poll(self, what: str, done: Any) -> None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            time.sleep(self.poll)
            with self.gate:
                if done():
                    return
        raise BenchError(f"{what}: not done after {self.timeout:.0f} s")

    def compose_one(self, item: Composition, t0: float) -> float:
        """Compose, wait until composed, then deploy as ``Peer`` does."""
        body = {
            "Name": item.name,
            "Links": {
                "ResourceBlocks": [{"@odata.id": f"{BLOCKS}/{b}"} for b in item.blocks]
            },
        }
        with self.gate:
            resp = self.conn.post(SYSTEMS, data=body)
        location = resp.headers.get("Location") or ""
        path = "/redfish/v1/" + location.split("/redfish/v1/", 1)[-1]
        self.paths[item.name] = path

        def composed() -> bool:
            states = self._states(path)
            return bool(states) and set(states) <= COMPOSED

        self._poll(f"compose {item.name}", composed)
        return self.deploy_one(Target(path, item.image_url, item.config_url), t0)

    def decompose_one(self, item: Composition, t0: float) -> float:
        """Tear down as ``Peer`` does, delete, wait until the blocks are free."""
        path = self.paths[item.name]
        self.teardown_one(Target(path, item.image_url, item.config_url), t0)
        with self.gate:
            self.conn.delete(path)
        blocks = [f"{BLOCKS}/{b}" for b in item.blocks]

        def free() -> bool:
            states = [
                (self.conn.get(b).json().get("CompositionStatus") or {}).get(
                    "CompositionState"
                )
                for b in blocks
            ]
            return all(s == "Unused" for s in states)

        self._poll(f"decompose {item.name}", free)
        return time.monotonic() - t0

    def run_compositions(self, items: list[Composition], phase: str) -> Timing:
        """Every system at once (``compose`` or ``decompose``); the timing."""
        work = self.compose_one if phase == "compose" else self.decompose_one
        t0, cpu0 = time.monotonic(), time.process_time()
        with futures.ThreadPoolExecutor(len(items)) as pool:
            latencies = list(pool.map(lambda i: work(i, t0), items))
        return Timing(time.monotonic() - t0, latencies, cpu=time.process_time() - cpu0)
