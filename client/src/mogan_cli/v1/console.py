"""Server consoles: the URL (``POST .../remote_consoles``) and output (1.4)."""

from mogan_cli.v1 import base

PROTOCOL = "serial"
LOG_VERSION = "1.4"
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

    def log(self, server_uuid: str, lines: int | None = None) -> str:
        """The server's recent serial output: the last ``lines`` lines, or all.

        Needs (and sends) API version 1.4.
        """
        response = self.api.request(
            "GET",
            f"/v1/servers/{server_uuid}/console_log",
            params={"length": lines},
            min_version=LOG_VERSION,
        )
        return str(response.json()["output"])
