"""Fixtures for tests on a real Neutron (defined in ``tests.neutron.fixtures``)."""

from tests.neutron.fixtures import (  # noqa: F401 - fixtures
    neutron_fixture,
    tenant,
)
