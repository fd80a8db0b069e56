"""An Ironic node's serial console, for the Ironic driver.

Ironic enables a console asynchronously (``PUT .../states/console`` answers
202); the URL appears once it is enabled, waited for at most ``[ironic]
console_timeout`` (v1 waited forever: section 10). Only a serial console
(Ironic's ``socat`` or ``shellinabox``) is of kind ``serial``; a console
interface that gives no URL (Ironic's fake one) is unavailable.

What must not live here: the rest of the driver (``ironic``).
"""

import time
from typing import Any

from mogan.drivers import base, ironic_client
from mogan.drivers import ironic_nodes as nodes

CONSOLE_POLL = 0.1


class Consoles:
    """The consoles of one Ironic's nodes."""

    def __init__(self, client: ironic_client.IronicClient, timeout: float) -> None:
        """Reach Ironic through ``client``; wait ``timeout`` s for a console."""
        self.client = client
        self.timeout = timeout

    def get(self, node_uuid: str, kind: str) -> dict[str, str]:
        """Enable the node's console (waiting up to the timeout); its URL.

        Raises:
            NodeNotFound: Ironic does not know the node.
            ConsoleUnavailable: not a serial console, or none with a URL.
            DriverError: Ironic did not enable it in time.
        """
        self.client.request("GET", f"/v1/nodes/{node_uuid}", node=node_uuid)
        if kind != "serial":
            raise base.ConsoleUnavailable(node=node_uuid, kind=kind)
        path = f"/v1/nodes/{node_uuid}/states/console"
        console = self.client.request("GET", path, node=node_uuid)
        if not console.get("console_enabled"):
            try:
                self.client.request(
                    "PUT", path, {"enabled": True}, ok=(202,), node=node_uuid
                )
            except (base.NodeLocked, base.NodeNotFound):
                raise
            except base.DriverError as err:
                raise base.ConsoleUnavailable(node=node_uuid, kind=kind) from err
            console = self._wait(node_uuid, path)
        info = console.get("console_info") or {}
        if info.get("type") not in nodes.SERIAL_CONSOLES or not info.get("url"):
            raise base.ConsoleUnavailable(node=node_uuid, kind=kind)
        return {"type": "serial", "url": str(info["url"])}

    def _wait(self, node_uuid: str, path: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            console: dict[str, Any] = self.client.request("GET", path, node=node_uuid)
            if console.get("console_enabled"):
                return console
            if time.monotonic() >= deadline:
                node = self.client.request(
                    "GET", f"/v1/nodes/{node_uuid}", node=node_uuid
                )
                error = node.get("last_error") or "timed out"
                reason = f"Ironic did not enable the console: {error}"
                raise base.DriverError(node=node_uuid, reason=reason)
            time.sleep(CONSOLE_POLL)
