"""Driver interfaces (ARCHITECTURE.md section 7), one ABC per concern.

Issue #2 needs only inventory; power, deploy, network, console and hardware
configuration interfaces join as the engine grows (issues #3 and #5).
"""

import abc
import dataclasses
from typing import Any


@dataclasses.dataclass(frozen=True)
class NodeSpec:
    """A node as a driver reports it."""

    uuid: str
    name: str
    resource_class: str
    traits: tuple[str, ...] = ()
    properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    ports: tuple[str, ...] = ()


class InventoryInterface(abc.ABC):
    """Enumerates the nodes a driver manages."""

    @abc.abstractmethod
    def list_nodes(self) -> list[NodeSpec]:
        """Every node the driver can provision, in a stable order.

        Raises:
            DriverError: the backend cannot be reached.
        """


class EnrollInterface(abc.ABC):
    """Adds nodes to the driver's backend (simulators and standalone sites)."""

    @abc.abstractmethod
    def enroll(self, node: NodeSpec) -> bool:
        """Register ``node``; returns False when it was already enrolled.

        Raises:
            DriverError: the backend refused the node.
        """
