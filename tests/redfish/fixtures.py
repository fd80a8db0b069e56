"""Fixtures on the Redfish emulator: the process, a clean state per test, files.

One emulator per test process (``support.shared``), started on first use and
stopped when the process exits; every test gets it ``reset`` to the default
systems (``support.DEFAULT_SYSTEMS``: ``bmc-0`` and ``bmc-1``, powered off),
no pool, no delays, no faults. When sushy-tools cannot be installed or
started the tests skip, or fail with ``MOGAN_REQUIRE_SERVICES=1``.
``tests/redfish``'s conftest imports them; driver tests may import them too
(fixture names differ from the function names so importing modules can
take them as arguments).
"""

from collections.abc import Iterator

import pytest

from tests.conftest import unavailable
from tests.redfish import files, support


def running(tls: bool = False) -> support.Emulator:
    """This process's emulator; skips (or fails) the test when there is none."""
    try:
        return support.shared(tls=tls)
    except support.EmulatorUnavailable as err:
        unavailable("Redfish emulator (sushy-tools)", err)
        raise  # pragma: no cover - unavailable() always raises


@pytest.fixture(name="redfish")
def redfish_fixture() -> support.Emulator:
    """The emulator (HTTP), reset to the default systems."""
    emulator = running()
    emulator.reset()
    return emulator


@pytest.fixture(name="redfish_tls")
def redfish_tls_fixture() -> support.Emulator:
    """The HTTPS emulator (``verify`` is its CA file), reset likewise."""
    emulator = running(tls=True)
    emulator.reset()
    return emulator


@pytest.fixture(name="file_server")
def file_server_fixture() -> Iterator[files.FileServer]:
    """A loopback HTTP server for images the emulator downloads."""
    server = files.FileServer()
    yield server
    server.stop()
