"""Lists follow the API's pages to the end; name lookups search every page.

The API returns at most ``[api] max_limit`` items per answer (1,000 by
default) and a client must ask again with ``marker``. Here the app runs
with ``max_limit = 2`` so five items already span three pages.
"""

import pathlib
import uuid
from typing import Any

import pytest
from oslo_config import cfg

from mogan.db.api import node as node_api
from tests.functional.cli.support import ssh_public_key

MAX_LIMIT = 2
COUNT = 5


@pytest.fixture
def conf(conf: cfg.ConfigOpts) -> cfg.ConfigOpts:
    """The test configuration with pages of two items."""
    conf.set_override("max_limit", MAX_LIMIT, "api")
    return conf


def ok(result) -> Any:
    """The JSON a successful command printed."""
    assert result.code == 0, result.err
    return result.json()


def lines(result) -> list[str]:
    """The lines a successful command printed."""
    assert result.code == 0, result.err
    return list(result.out.splitlines())


def names(count: int, prefix: str) -> list[str]:
    """``prefix-1`` ... ``prefix-<count>``."""
    return [f"{prefix}-{i}" for i in range(1, count + 1)]


@pytest.fixture
def flavors(mogan) -> list[str]:
    """Five public flavors."""
    for name in names(COUNT, "f"):
        assert mogan("flavor", "create", name, "--resource", "CUSTOM_X=1").code == 0
    return names(COUNT, "f")


@pytest.fixture
def refs(mogan) -> None:
    """Five images and five networks, so the last of each is on page three."""
    for i, name in enumerate(names(COUNT, "img"), start=1):
        url = f"http://images.test/{i}.raw"
        assert mogan("image", "create", name, "--url", url).code == 0
    for i, name in enumerate(names(COUNT, "net"), start=1):
        cidr = f"10.{i}.0.0/24"
        assert mogan("network", "create", name, "--cidr", cidr).code == 0


@pytest.fixture
def servers(mogan, flavors, refs) -> list[str]:
    """Five servers built from the last flavor, image and network (by name)."""
    del flavors, refs
    for name in names(COUNT, "s"):
        result = mogan(
            "server",
            "create",
            name,
            "--flavor",
            "f-5",
            "--image",
            "img-5",
            "--network",
            "net-5",
        )
        assert result.code == 0, result.err
    return names(COUNT, "s")


class TestLists:
    def test_flavor_list_has_every_page(self, mogan, flavors):
        """Flavor list shows all five flavors, not the first page of two."""
        listed = lines(mogan("flavor", "list", "-f", "value", "-c", "Name"))
        assert sorted(listed) == flavors

    def test_limit_caps_across_pages(self, mogan, flavors):
        """--limit 3 is three flavors, though a page holds two."""
        del flavors
        listed = lines(mogan("flavor", "list", "--limit", "3", "-f", "value"))
        assert len(listed) == 3

    def test_server_list_has_every_page_and_marker_continues(self, mogan, servers):
        """Server list shows five servers; --marker lists those after one."""
        listed = ok(mogan("server", "list", "-f", "json"))
        assert sorted(s["Name"] for s in listed) == servers
        after = ok(mogan("server", "list", "--marker", listed[0]["UUID"], "-f", "json"))
        assert [s["UUID"] for s in after] == [s["UUID"] for s in listed[1:]]

    def test_keypair_list_has_every_page(self, mogan):
        """Keypairs page by name; all five are listed."""
        for name in names(COUNT, "k"):
            pathlib.Path(name + ".pub").write_text(ssh_public_key(), encoding="utf-8")
            created = mogan("keypair", "create", name, "--public-key", name + ".pub")
            assert created.code == 0, created.err
        listed = lines(mogan("keypair", "list", "-f", "value", "-c", "Name"))
        assert listed == names(COUNT, "k")

    @pytest.mark.usefixtures("refs")
    def test_image_and_network_lists_have_every_page(self, mogan):
        """Image list and network list show all five of each."""
        images = lines(mogan("image", "list", "-f", "value", "-c", "Name"))
        networks = lines(mogan("network", "list", "-f", "value", "-c", "Name"))
        assert sorted(images) == names(COUNT, "img")
        assert sorted(networks) == names(COUNT, "net")

    def test_node_list_has_every_page(self, mogan, database):
        """Node list shows all five nodes."""
        with database.transaction() as session:
            for name in names(COUNT, "node"):
                node_api.create(
                    session,
                    {
                        "uuid": str(uuid.uuid4()),
                        "name": name,
                        "driver": "fake",
                        "resource_class": "CUSTOM_GOLD",
                        "power_state": "power off",
                        "maintenance": False,
                        "consumable": True,
                    },
                )
        listed = lines(mogan("node", "list", "-f", "value", "-c", "Name"))
        assert listed == names(COUNT, "node")


class TestNameLookups:
    def test_flavor_on_the_last_page(self, mogan, flavors):
        """Flavor show finds a flavor that is on page three."""
        del flavors
        shown = ok(mogan("flavor", "show", "f-5", "-f", "json"))
        assert shown["name"] == "f-5"

    def test_server_create_resolves_names_on_the_last_page(self, mogan, servers):
        """The servers were made from f-5, img-5 and net-5, each on page three."""
        del servers
        shown = ok(mogan("server", "show", "s-1", "-f", "json"))
        flavor = ok(mogan("flavor", "show", "f-5", "-f", "json"))
        assert shown["flavor_uuid"] == flavor["uuid"]

    def test_server_on_the_last_page(self, mogan, servers):
        """Server show and delete find a server whatever page it is on."""
        del servers
        assert ok(mogan("server", "show", "s-5", "-f", "json"))["name"] == "s-5"
        deleted = mogan("server", "delete", "s-5")
        assert deleted.code == 0, deleted.err
