"""``mogan composition service ...`` and ``composition block list`` (1.7).

End to end: the CLI drives the real app (see conftest.py), whose engine
runs the ``redfish`` driver over the in-process bus against the team's
sushy-tools emulator serving a CompositionService, with the embedded
Placement.
"""

from typing import Any

import pytest

from mogan.api import app as api_app
from mogan.drivers import redfish
from tests.conftest import MEMBER
from tests.functional.api import engine_support
from tests.redfish import specs
from tests.redfish.fixtures import redfish_fixture  # noqa: F401 - fixture

globals().update(engine_support.FIXTURES)
pytestmark = pytest.mark.services


@pytest.fixture
def app(econf, database):
    """The app on the engine tests' configuration (bus, Placement)."""
    return api_app.create_app(econf, database)


@pytest.fixture
def redfish_engine(econf, engine_factory):
    """An engine whose driver is redfish."""
    econf.set_override("driver", "redfish", "engine")
    redfish.RedfishDriver.register_opts(econf)
    econf.set_override("server_side_retries", 1, "redfish")
    econf.set_override("server_side_retries_delay", 0.1, "redfish")
    driver = redfish.RedfishDriver.from_conf(econf)
    engine = engine_factory(with_driver=driver)
    yield engine
    driver.close()


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


@pytest.mark.usefixtures("redfish_engine")
class TestCompositionCli:
    def test_create_list_blocks_set_delete(self, mogan, world, redfish, monkeypatch):
        """A service is registered (password from the environment), listed, removed."""
        redfish.set_pool(specs.simple_pool(("zone-a", "zone-b"), compute=1, gpu=1))
        monkeypatch.setenv("MOGAN_COMPOSITION_PASSWORD", redfish.password)
        result = mogan(
            "composition",
            "service",
            "create",
            "cli-pool",
            "--address",
            redfish.url,
            "--username",
            redfish.username,
            "--insecure",
            "-f",
            "json",
        )
        svc = ok(result)
        assert redfish.password not in result.out
        assert (svc["zones"], svc["blocks"]) == (2, 4)

        listed = ok(mogan("composition", "service", "list", "-f", "json"))
        assert [s["Name"] for s in listed] == ["cli-pool"]
        shown = ok(mogan("composition", "service", "show", "cli-pool", "-f", "json"))
        assert shown["uuid"] == svc["uuid"]

        blocks = ok(
            mogan("composition", "block", "list", "--service", "cli-pool", "-f", "json")
        )
        assert sorted(b["ID"] for b in blocks) == [
            "zone-a-compute-0",
            "zone-a-gpu-0",
            "zone-b-compute-0",
            "zone-b-gpu-0",
        ]
        for block in blocks:
            assert world.placement.get_provider(block["Provider"]) is not None

        renamed = ok(
            mogan(
                "composition",
                "service",
                "set",
                "cli-pool",
                "--name",
                "cli-pool-2",
                "-f",
                "json",
            )
        )
        assert renamed["name"] == "cli-pool-2"

        result = mogan("composition", "service", "delete", "cli-pool-2")
        assert result.code == 0, result.err
        for block in blocks:
            assert world.placement.get_provider(block["Provider"]) is None
        assert mogan("composition", "service", "show", "cli-pool-2").code == 1

    def test_password_required_and_members_refused(self, mogan, redfish):
        """No password is a clear error; a member gets the API's 403."""
        argv = ["composition", "service", "create", "p", "--address", redfish.url]
        result = mogan(*argv, "--username", "u")
        assert result.code == 1
        assert "MOGAN_COMPOSITION_PASSWORD" in result.err
        result = mogan(
            *argv, "--username", "u", "--password", "secret-xyz", persona=MEMBER
        )
        assert result.code == 1
        assert "403" in result.err or "forbidden" in result.err.lower()
        assert "secret-xyz" not in result.err
        assert mogan("composition", "service", "set", "nothing").code == 1
