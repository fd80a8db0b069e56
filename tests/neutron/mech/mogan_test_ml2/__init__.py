"""A test ML2 mechanism driver: binds bare-metal ports, records what it saw.

Neutron binds a port only when a mechanism driver accepts it; the agents
and switch drivers a real site uses (networking-baremetal, a switch's own)
cannot run here. This one accepts ``binding:vnic_type = baremetal`` ports on
flat and VLAN segments, marks them ACTIVE, and appends one JSON line per
binding to the file named by ``MOGAN_TEST_ML2_RECORD`` (port, host,
profile, segment), so a test can check what Neutron handed its driver:
``local_link_information`` and ``local_group_information`` above all.

What must not live here: anything of Mogan (this runs inside Neutron).
"""

import json
import os
import pathlib
import threading

from neutron_lib.plugins.ml2 import api

BAREMETAL = "baremetal"
NETWORK_TYPES = ("flat", "vlan")
_LOCK = threading.Lock()


class BaremetalMechanismDriver(api.MechanismDriver):
    """Binds ``baremetal`` ports on flat and VLAN segments (ACTIVE)."""

    def initialize(self):
        """Nothing to set up: no agents, no switches."""

    def bind_port(self, context):
        """Bind a bare-metal port on its first flat or VLAN segment."""
        port = context.current
        if port.get("binding:vnic_type") != BAREMETAL:
            return
        for segment in context.segments_to_bind:
            if segment[api.NETWORK_TYPE] in NETWORK_TYPES:
                context.set_binding(segment[api.ID], "other", {}, status="ACTIVE")
                _record(port, segment)
                return

    def delete_port_postcommit(self, context):
        """Record that a port this driver may have bound is gone."""
        _record(context.current, None, event="delete")


def _record(port, segment, event="bind"):
    path = os.environ.get("MOGAN_TEST_ML2_RECORD")
    if not path:
        return
    line = {
        "event": event,
        "port_id": port["id"],
        "device_id": port.get("device_id"),
        "host": port.get("binding:host_id"),
        "vnic_type": port.get("binding:vnic_type"),
        "profile": port.get("binding:profile") or {},
        "network_type": segment[api.NETWORK_TYPE] if segment else None,
        "physical_network": segment[api.PHYSICAL_NETWORK] if segment else None,
    }
    with _LOCK, pathlib.Path(path).open("a", encoding="utf-8") as out:
        out.write(json.dumps(line, sort_keys=True) + "\n")
