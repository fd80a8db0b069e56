"""Where a driver with no backend registry keeps its nodes, and its deploy media.

Ironic keeps its own nodes; a Redfish BMC knows only itself. A driver whose
nodes are enrolled into Mogan (``EnrollInterface``) and that has no registry
of its own declares ``Driver.needs_store``; the engine's composition root
then hands it a ``NodeStore`` (``Driver.use_store``) backed by Mogan's
database, so every engine sees the same nodes and the BMC passwords rest
sealed (``engine.node_store``). Driver tests use ``MemoryNodeStore``.

A driver deploying by virtual media also needs to hand the BMC a URL for a
medium Mogan builds (the config drive ISO): ``MediaStore.publish`` makes
one that expires (``engine.deploy_media`` in Mogan; a file server in
tests).

The driver owns ``StoredNode.state`` (its JSON: the server a node is
reserved for, the operation in progress, what to restore); every write of
it is a compare-and-set on ``version``, so two engines cannot both reserve
a node.

What must not live here: SQL (the engine's implementation), HTTP.
"""

import copy
import dataclasses
import threading
from typing import Any, Protocol

from mogan.drivers import errors
from mogan.drivers.models import BmcAccess, NodeSpec


@dataclasses.dataclass(frozen=True)
class StoredNode:
    """An enrolled node as a driver stored it.

    Attributes:
        spec: what Mogan knows it as (uuid, name, resource class, traits,
            properties, ports); the driver fills power and consumability
            when it lists nodes.
        bmc: how to reach its BMC (the password opened for the driver).
        state: the driver's own JSON for the node.
        version: bumped by every write; ``save_state`` compares it.
    """

    spec: NodeSpec
    bmc: BmcAccess
    state: dict[str, Any] = dataclasses.field(default_factory=dict)
    version: int = 1


class NodeStore(Protocol):
    """Enrolled nodes of one driver, shared by every engine."""

    def add(self, spec: NodeSpec, bmc: BmcAccess, state: dict[str, Any]) -> bool:
        """Store a new node; False when its uuid is already there (unchanged).

        Raises:
            NodeNameTaken: another node has the name.
        """

    def get(self, node_uuid: str) -> StoredNode:
        """One node.

        Raises:
            NodeNotFound: no such node.
        """

    def list(self) -> list[StoredNode]:
        """Every node of the driver, by name."""

    def save_state(
        self, node_uuid: str, state: dict[str, Any], expect_version: int
    ) -> bool:
        """Replace the node's state if its version is still ``expect_version``.

        Returns:
            False when another write came first (read again and decide).

        Raises:
            NodeNotFound: no such node.
        """

    def update(
        self,
        node_uuid: str,
        spec: NodeSpec | None = None,
        bmc: BmcAccess | None = None,
    ) -> None:
        """Replace the node's spec and/or BMC access (its state is kept).

        Raises:
            NodeNotFound: no such node.
            NodeNameTaken: another node has the new name.
        """

    def remove(self, node_uuid: str) -> None:
        """Forget the node (a gone node: no-op)."""


class MediaStore(Protocol):
    """Media Mogan serves to BMCs over HTTP, each on a URL that expires."""

    def publish(self, name: str, data: bytes, ttl: float) -> str:
        """Serve ``data`` for ``ttl`` seconds; its URL (``name`` again: replaced)."""

    def reissue(self, name: str) -> str | None:
        """A new URL of the served ``name`` (the old one dies); None: not served.

        NOTE: a URL may carry the medium's only secret, so drivers keep the
        name and ask for a URL when they hand one to a BMC.
        """

    def withdraw(self, name: str) -> None:
        """Stop serving ``name`` (gone already: no-op)."""


class MemoryNodeStore:
    """A ``NodeStore`` in this process's memory, for driver tests and tools."""

    def __init__(self) -> None:
        """An empty store."""
        self._nodes: dict[str, StoredNode] = {}
        self._lock = threading.Lock()

    def add(self, spec: NodeSpec, bmc: BmcAccess, state: dict[str, Any]) -> bool:
        """Store a new node; False when its uuid is already there."""
        with self._lock:
            if spec.uuid in self._nodes:
                return False
            if any(n.spec.name == spec.name for n in self._nodes.values()):
                raise errors.NodeNameTaken(node=spec.uuid, name=spec.name)
            self._nodes[spec.uuid] = StoredNode(spec, bmc, copy.deepcopy(state))
            return True

    def get(self, node_uuid: str) -> StoredNode:
        """One node (a copy)."""
        with self._lock:
            found = self._nodes.get(node_uuid)
            if found is None:
                raise errors.NodeNotFound(node=node_uuid)
            return dataclasses.replace(found, state=copy.deepcopy(found.state))

    def list(self) -> list[StoredNode]:
        """Every node, by name (copies)."""
        with self._lock:
            nodes = sorted(self._nodes.values(), key=lambda n: n.spec.name)
            return [dataclasses.replace(n, state=copy.deepcopy(n.state)) for n in nodes]

    def save_state(
        self, node_uuid: str, state: dict[str, Any], expect_version: int
    ) -> bool:
        """Compare-and-set of the node's state."""
        with self._lock:
            found = self._nodes.get(node_uuid)
            if found is None:
                raise errors.NodeNotFound(node=node_uuid)
            if found.version != expect_version:
                return False
            self._nodes[node_uuid] = dataclasses.replace(
                found, state=copy.deepcopy(state), version=found.version + 1
            )
            return True

    def update(
        self,
        node_uuid: str,
        spec: NodeSpec | None = None,
        bmc: BmcAccess | None = None,
    ) -> None:
        """Replace spec and/or BMC access."""
        with self._lock:
            found = self._nodes.get(node_uuid)
            if found is None:
                raise errors.NodeNotFound(node=node_uuid)
            if spec is not None and any(
                n.spec.name == spec.name and u != node_uuid
                for u, n in self._nodes.items()
            ):
                raise errors.NodeNameTaken(node=node_uuid, name=spec.name)
            self._nodes[node_uuid] = dataclasses.replace(
                found,
                spec=spec or found.spec,
                bmc=bmc or found.bmc,
                version=found.version + 1,
            )

    def remove(self, node_uuid: str) -> None:
        """Forget the node."""
        with self._lock:
            self._nodes.pop(node_uuid, None)
