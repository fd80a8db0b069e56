"""Server consoles (``POST /v1/servers/{uuid}/remote_consoles``)."""

from mogan_cli.v1 import base

PROTOCOL = "serial"
TYPES = ("serial", "shellinabox", "socat")


class ConsoleManager(base.Manager):
    """Where a server's serial console is."""

    def get(self, server_uuid: str, console_type: str | None = None) -> base.Resource:
        """The console's ``protocol``, ``type`` and ``url``.

        Args:
            server_uuid: the server.
            console_type: ``shellinabox`` or ``socat``; ``None`` for the
                node's serial console, whatever its type.
        """
        body: base.Resource = {"protocol": PROTOCOL}
        if console_type is not None:
            body["type"] = console_type
        return dict(self.api.post(f"/v1/servers/{server_uuid}/remote_consoles", body))
