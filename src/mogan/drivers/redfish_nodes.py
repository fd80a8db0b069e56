"""The Redfish driver's plumbing: its node store, state changes, BMC access.

Enrolled nodes live in the ``NodeStore`` the engine hands the driver
(``Driver.use_store``); each node's ``state`` is the driver's JSON:

- ``instance_uuid``: the server the node is reserved for, or None;
- ``maintenance``: why the node is out of service (a failed cleaning), or
  None;
- ``op``: the last deploy, rebuild or teardown (``kind``, ``id``,
  ``server``, ``phase``, ``error``, ``image_url``, ``media``: the name of
  its config drive in the media store, never its URL, which holds the
  medium's token; ``bios``);
- ``power``: the last power action (``target``, ``expect``, ``error``,
  ``started``);
- ``hardware``: what the last deploy asked and made (``redfish_hardware``).

Every change is a compare-and-set on the node's version (``change``), so
two engines never both reserve a node or both advance one phase.

What must not live here: the driver's operations (``redfish``,
``redfish_provision``).
"""

import copy
import time
from collections.abc import Callable
from typing import Any

from oslo_config import cfg
from sushy import exceptions as sushy_exc

from mogan.drivers import errors, store
from mogan.drivers import redfish_client as rc
from mogan.drivers.models import NodeSpec

CAS_ATTEMPTS = 20
State = dict[str, Any]
POWER_STATES = {"On": "power on", "Off": "power off"}
DEPLOY_KINDS = ("deploy", "rebuild")


class Unchanged(Exception):
    """Raised by a change function: nothing to write."""


def busy(op: dict[str, Any] | None, kinds: tuple[str, ...]) -> bool:
    """Whether ``op`` is one of ``kinds`` and still running."""
    return bool(
        op
        and op.get("kind") in kinds
        and not op.get("error")
        and op.get("phase") != "done"
    )


class NodeAccess:
    """Store and BMC access shared by the driver's parts."""

    conf: cfg.ConfigOpts
    node_store: store.NodeStore | None
    media_store: store.MediaStore | None
    connections: rc.Connections

    def _store(self) -> store.NodeStore:
        if self.node_store is None:
            raise errors.DriverError(
                node="-", reason="the redfish driver has no node store (use_store)"
            )
        return self.node_store

    def _stored(self, node_uuid: str) -> store.StoredNode:
        return self._store().get(node_uuid)

    def change(
        self, node_uuid: str, apply: Callable[[State], State]
    ) -> store.StoredNode | None:
        """Compare-and-set the node's state with ``apply(copy of state)``.

        ``apply`` may raise (nothing is written) or ``Unchanged``. Returns
        the node as written, or None when ``apply`` said ``Unchanged``.

        Raises:
            NodeNotFound: no such node.
            NodeLocked: other writers kept winning (retry later).
        """
        nodes = self._store()
        for _ in range(CAS_ATTEMPTS):
            stored = nodes.get(node_uuid)
            try:
                state = apply(copy.deepcopy(stored.state))
            except Unchanged:
                return None
            if nodes.save_state(node_uuid, state, stored.version):
                return nodes.get(node_uuid)
            time.sleep(0.01)
        raise errors.NodeLocked(node=node_uuid, reason="its state keeps changing")

    def bmc(self, stored: store.StoredNode) -> tuple[Any, Any]:
        """(sushy root, System) of the node's BMC.

        Raises:
            DriverError: the BMC is unreachable or refused (``BmcRefused``).
        """
        with rc.translate(stored.spec.uuid, "read the system"):
            root = self.connections.root(stored.bmc)
            return root, rc.system(root, stored.bmc)

    def power_of(self, stored: store.StoredNode) -> str | None:
        """``power on``/``power off`` from the BMC, None when unknown."""
        try:
            _root, system = self.bmc(stored)
        except errors.DriverError:
            return None
        raw = system.json.get("PowerState")
        return POWER_STATES.get(str(raw)) if raw else None

    def spec(self, stored: store.StoredNode, power: str | None) -> NodeSpec:
        """The node as ``list_nodes``/``get_node`` report it."""
        state = stored.state
        instance = state.get("instance_uuid")
        why = None
        if state.get("maintenance"):
            why = f"in maintenance: {state['maintenance']}"
        elif instance:
            why = f"reserved for server {instance}"
        elif busy(state.get("op"), ("teardown",)):
            why = "being cleaned"
        elif power is None:
            why = "power state unknown (BMC unreachable?)"
        return NodeSpec(
            uuid=stored.spec.uuid,
            name=stored.spec.name,
            resource_class=stored.spec.resource_class,
            traits=stored.spec.traits,
            properties=dict(stored.spec.properties),
            ports=stored.spec.ports,
            power_state=power,
            maintenance=bool(state.get("maintenance")),
            instance_uuid=instance,
            consumable=why is None,
            why_not=why,
        )


def reason(err: Exception) -> str:
    """The reason text of a driver or sushy error."""
    if isinstance(err, errors.DriverError):
        return str(err.kwargs.get("reason") or err.message)
    if isinstance(err, sushy_exc.SushyError):
        return str(getattr(err, "message", None) or err)
    return str(err)
