"""Remote console bodies (v1 section 1.6, ``POST .../remote_consoles``).

The request is v1's flat ``{"protocol": "serial", "type": ...}``, or the same
wrapped in ``remote_console`` (Nova's spelling). ``type`` may be left out
(v1 bug 29 made that a 400): the node's serial console, whatever its type.
"""

from typing import Annotated, Literal

import pydantic

from mogan.api.schemas import common

ConsoleType = Literal["serial", "shellinabox", "socat"]


class RemoteConsoleRequest(common.Request):
    """Which console: the protocol (serial only) and, optionally, its type."""

    protocol: Literal["serial"]
    type: ConsoleType | None = pydantic.Field(
        default=None,
        description="shellinabox or socat; left out: the node's serial console.",
    )


class RemoteConsoleCreate(common.Request):
    """``POST /v1/servers/{server_uuid}/remote_consoles``, flat or wrapped."""

    protocol: Literal["serial"] | None = None
    type: ConsoleType | None = None
    remote_console: RemoteConsoleRequest | None = None

    @pydantic.model_validator(mode="after")
    def _one_form(self) -> "RemoteConsoleCreate":
        flat = self.protocol is not None or self.type is not None
        if flat and self.remote_console is not None:
            msg = "give protocol and type, or remote_console, not both"
            raise ValueError(msg)
        if self.remote_console is None and self.protocol is None:
            msg = "protocol is required (serial)"
            raise ValueError(msg)
        return self

    @property
    def request(self) -> RemoteConsoleRequest:
        """The console asked for, whichever form was used."""
        if self.remote_console is not None:
            return self.remote_console
        return RemoteConsoleRequest(protocol="serial", type=self.type)


class RemoteConsole(common.Response):
    """Where the console is (v1's flat answer)."""

    protocol: str
    type: str
    url: str


MAX_CONSOLE_LINES = 10000
"""The most lines of serial output one ``console_log`` request may ask for."""


class ConsoleLogQuery(common.Query):
    """``GET /v1/servers/{server_uuid}/console_log``: how many lines, newest."""

    length: Annotated[int, pydantic.Field(ge=1, le=MAX_CONSOLE_LINES)] | None = (
        pydantic.Field(
            default=None,
            description="The last N lines; left out: all the driver keeps.",
        )
    )


class ConsoleLog(common.Response):
    """The server's recent serial console output."""

    output: str
