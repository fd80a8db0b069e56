"""Fixtures for tests on a real Glance (defined in ``tests.glance.fixtures``)."""

from tests.glance.fixtures import (  # noqa: F401 - fixtures
    glance_conf_fixture,
    glance_fixture,
)
