"""Fixtures for tests on a real Keystone (defined in ``tests.keystone.fixtures``)."""

from tests.keystone.fixtures import (  # noqa: F401 - fixtures
    keystone_client_fixture,
    keystone_conf_fixture,
    keystone_fixture,
)
