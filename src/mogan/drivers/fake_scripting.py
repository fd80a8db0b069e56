"""How the fake driver's nodes are scripted: failures, durations, faults, hardware.

Tests, demos and operators of a simulated fleet use these knobs to make a
node misbehave as real hardware does: fail its next deploys, power actions
or cleanings, take longer, go into maintenance, change power behind
Mogan's back, or have the hardware a test needs. ``FakeDriver`` mixes them
in; they act on its fleet file, so every process sharing the file sees the
change.

What must not live here: what the operations do (``fake``) and SQL
(``fake_fleet``).
"""

import time

from mogan import states
from mogan.drivers import base, fake_fleet


class Scripting:
    """Scripting of a fake fleet's nodes (mixed into ``FakeDriver``)."""

    _fleet: fake_fleet.Fleet

    def set_behaviour(
        self,
        node_uuid: str,
        *,
        fail_deploy: int | None = None,
        fail_power: int | None = None,
        fail_clean: int | None = None,
        deploy_seconds: float | None = None,
        power_seconds: float | None = None,
        clean_seconds: float | None = None,
        fail_hardware: str | None = None,
        fail_restore: int | None = None,
        hardware_seconds: float | None = None,
    ) -> None:
        """Script a node: ``fail_X=N`` fails its next N such operations.

        Deploy failures and durations apply to rebuilds too.
        ``fail_hardware`` names a hardware section (``raid``, ``bios``,
        ``firmware``, ``bonds``) that fails on the next deploy asking for
        it (``""``: none); ``fail_restore=N`` fails the hardware restore of
        the next N teardowns (the node goes into maintenance);
        ``hardware_seconds`` is what each section adds to a deploy.
        Arguments left as None keep their current value.

        Raises:
            NodeNotFound: no such node.
        """
        with self._fleet.change(node_uuid) as (node, conn):
            record = self._fleet.load_hardware(conn, node_uuid)
            if fail_hardware is not None:
                record["fail_hardware"] = fail_hardware or None
            if fail_restore is not None:
                record["fail_restore"] = fail_restore
            if hardware_seconds is not None:
                record["hardware_seconds"] = hardware_seconds
            self._fleet.save_hardware(conn, node_uuid, record)
            for key, value in (
                ("fail_deploy", fail_deploy),
                ("fail_power", fail_power),
                ("fail_clean", fail_clean),
                ("deploy_seconds", deploy_seconds),
                ("power_seconds", power_seconds),
                ("clean_seconds", clean_seconds),
            ):
                if value is not None:
                    setattr(node, key, value)

    def set_maintenance(
        self, node_uuid: str, maintenance: bool, reason: str | None = None
    ) -> None:
        """Put a node in (or out of) maintenance, as an operator would.

        Leaving maintenance after a failed cleaning makes the node available
        again (the operator has fixed it).

        Raises:
            NodeNotFound: no such node.
        """
        with self._fleet.change(node_uuid) as (node, _):
            node.maintenance = maintenance
            node.maintenance_reason = (
                (reason or "set by operator") if maintenance else None
            )
            if not maintenance and node.provision_state == fake_fleet.CLEAN_FAILED:
                node.provision_state, node.prov_op, node.prov_error = (
                    fake_fleet.AVAILABLE,
                    None,
                    None,
                )

    def set_power_out_of_band(self, node_uuid: str, power_state: str) -> None:
        """Change a node's power behind Mogan's back (``power on``/``power off``).

        Raises:
            NodeNotFound: no such node.
            ValueError: not a power state.
        """
        if power_state not in {states.POWER_ON, states.POWER_OFF}:
            raise ValueError(f"not a power state: {power_state!r}")
        with self._fleet.change(node_uuid) as (node, conn):
            node.power_state = power_state
            self._fleet.print(
                conn, node, time.time(), "out of band", power_state=power_state
            )

    def set_inventory(self, node_uuid: str, inventory: base.Inventory | None) -> None:
        """Script the node's hardware (None: back to the made-up one).

        Raises:
            NodeNotFound: no such node.
        """
        data = None if inventory is None else inventory.to_dict()
        self._fleet.write_inventory(node_uuid, data)
