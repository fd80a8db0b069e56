"""Fixtures: a client on the process's embedded Placement, a private class."""

import pytest

from tests.placement import support


@pytest.fixture(scope="session")
def placement_state(tmp_path_factory) -> str:
    """Where the embedded Placement keeps its database (first caller decides)."""
    return str(tmp_path_factory.mktemp("placement"))


@pytest.fixture
def placement_api(placement_state):
    """A Placement client on the real embedded Placement."""
    api = support.client(placement_state)
    yield api
    api.close()


@pytest.fixture
def rc() -> str:
    """A Placement resource class of this test's own."""
    return f"CUSTOM_T{support.node_class()[2:].upper()}"
