"""Fixtures for tests on a real Ironic (defined in ``tests.ironic.fixtures``)."""

from tests.ironic.fixtures import (  # noqa: F401 - fixtures
    ironic_conf_fixture,
    ironic_driver_fixture,
    ironic_fixture,
)
