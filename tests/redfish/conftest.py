"""Fixtures for tests on the Redfish emulator (``tests.redfish.fixtures``)."""

from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
    redfish_tls_fixture,
)
