"""Placement and Ironic found in a real Keystone's catalog (issue 13, section 1).

Mogan's ``[placement]`` and ``[ironic]`` sections hold only the ``mogan``
service user's credentials (``auth_type = password``): keystoneauth gets a
token from the process's Keystone and takes the peer's endpoint from the
catalog by service type (``placement``, ``baremetal``), interface
(``valid_interfaces``) and region.

The Placement is the real one the process embeds, served on two loopback
ports behind real keystonemiddleware (so it sees who calls) and listed as
the ``public`` and the ``internal`` endpoint; the Ironic is the process's
real Ironic (``tests/ironic``, shared with its tests), listed as
``baremetal``.
"""

import pathlib
import uuid
from collections.abc import Iterator

import pytest

from mogan import placement
from mogan.drivers import base, fake
from mogan.drivers import ironic as ironic_driver
from mogan.engine import node_sync
from mogan.placement import client as placement_client
from mogan.placement import embedded
from tests.conftest import unavailable
from tests.ironic import fixtures as ironic_fixtures
from tests.ironic import support as ironic_support
from tests.keystone import catalog, fixtures, support
from tests.keystone import ironic as keystone_ironic
from tests.placement import support as placement_support

pytestmark = pytest.mark.services


class Placements:
    """The embedded Placement on two ports, public and internal, in the catalog."""

    def __init__(self, keystone: support.Keystone, state: str) -> None:
        """Serve it behind keystonemiddleware twice and register both URLs."""
        app = embedded.shared_app(state)
        self.served: dict[str, catalog.Served] = {}
        self.seen: dict[str, catalog.Recorder] = {}
        for interface in ("public", "internal"):
            wrapped, self.seen[interface] = catalog.behind_keystone(app, keystone)
            self.served[interface] = catalog.Served.start(wrapped)
        self.keystone = keystone
        self.service_id = keystone.register(
            "placement",
            "placement-test",
            {name: served.url for name, served in self.served.items()},
        )

    def url(self, interface: str) -> str:
        """The URL the catalog lists for ``interface``."""
        return self.served[interface].url

    def forget(self) -> None:
        """Drop what the recorders saw so far."""
        for recorder in self.seen.values():
            recorder.seen.clear()

    def close(self) -> None:
        """Leave the catalog, stop serving."""
        catalog.unregister(self.keystone, self.service_id)
        for served in self.served.values():
            served.stop()


@pytest.fixture(scope="module")
def placements(keystone, tmp_path_factory) -> Iterator[Placements]:
    """The process's Placement as ``placement`` in Keystone's catalog."""
    served = Placements(keystone, str(tmp_path_factory.getbasetemp()))
    yield served
    served.close()


def placement_from(
    tmp_path: pathlib.Path, keystone: support.Keystone, **extra: str
) -> placement_client.PlacementClient:
    """Mogan's Placement client for ``[placement]`` = the service user + ``extra``."""
    conf = fixtures.section_conf(
        tmp_path, "placement", catalog.service_section(keystone, **extra)
    )
    return placement.get_client(conf)


class TestPlacementFromTheCatalog:
    def test_node_sync_writes_through_the_catalogs_placement(
        self, keystone, placements, tmp_path, database
    ):
        """No endpoint configured: node sync creates the provider via the catalog.

        The provider is read back from the same Placement directly, and
        Placement saw the ``mogan`` service user (with the ``service`` role,
        which its policy requires) on the public endpoint only.
        """
        placements.forget()
        driver = fake.FakeDriver(str(tmp_path))
        node_class = placement_support.node_class()
        (node,) = placement_support.enroll(driver, 1, node_class)
        api = placement_from(tmp_path, keystone)
        try:
            result = node_sync.sync(database, driver, api, "host-1")
        finally:
            api.close()
        assert result.created == 1
        direct = placement_support.client(str(tmp_path))
        assert direct.get_provider(node)["name"] == f"node-{node}"
        rc = placement_client.resource_class_name(node_class)
        assert list(direct.get_inventory(node)) == [rc]
        direct.close()
        public = placements.seen["public"].seen
        assert public
        assert {(s["user"], s["project"], s["status"]) for s in public} == {
            ("mogan", "service", "Confirmed")
        }
        assert all("service" in s["roles"].split(",") for s in public)
        assert placements.seen["internal"].seen == []

    @pytest.mark.parametrize("interface", ["public", "internal"])
    def test_valid_interfaces_chooses_the_endpoint(
        self, keystone, placements, tmp_path, interface
    ):
        """``valid_interfaces`` picks which of the two catalog URLs is used."""
        placements.forget()
        api = placement_from(tmp_path, keystone, valid_interfaces=interface)
        try:
            assert str(api.http.base_url).rstrip("/") == placements.url(interface)
            rp = str(uuid.uuid4())
            api.create_provider(rp, f"rp-{rp}")
            assert api.get_provider(rp) is not None
        finally:
            api.close()
        other = "internal" if interface == "public" else "public"
        assert placements.seen[interface].seen
        assert placements.seen[other].seen == []

    def test_endpoint_override_wins_over_the_catalog(
        self, keystone, placements, tmp_path
    ):
        """With ``endpoint_override`` the catalog's URL is not used; the token is."""
        placements.forget()
        override = placements.url("internal")
        api = placement_from(
            tmp_path, keystone, valid_interfaces="public", endpoint_override=override
        )
        try:
            assert str(api.http.base_url).rstrip("/") == override
            rp = str(uuid.uuid4())
            api.create_provider(rp, f"rp-{rp}")
        finally:
            api.close()
        assert placements.seen["public"].seen == []
        assert {s["user"] for s in placements.seen["internal"].seen} == {"mogan"}

    @pytest.mark.usefixtures("placements")
    def test_no_catalog_entry_is_a_clear_error(self, keystone, tmp_path):
        """An interface the catalog lacks for ``placement``: PlacementError."""
        with pytest.raises(
            placement_client.PlacementError, match="no Placement endpoint"
        ):
            placement_from(tmp_path, keystone, valid_interfaces="admin")

    @pytest.mark.usefixtures("placements")
    def test_a_wrong_service_password_is_a_placement_error(self, keystone, tmp_path):
        """Keystone refusing the service user is PlacementError, not keystoneauth's."""
        with pytest.raises(placement_client.PlacementError, match="401"):
            placement_from(tmp_path, keystone, password="wrong")

    def test_a_disabled_service_user_is_a_placement_error_later(
        self, keystone, placements, tmp_path
    ):
        """Its token refused, the client asks Keystone again and says why it failed."""
        placements.forget()
        user = keystone.create_user()
        keystone.assign(user, "service", project=keystone.service_user()["project_id"])
        api = placement_from(
            tmp_path, keystone, username=user.name, password=user.password
        )
        try:
            assert api.get_provider(str(uuid.uuid4())) is None
            keystone.call("PATCH", f"/users/{user.id}", {"user": {"enabled": False}})
            with pytest.raises(
                placement_client.PlacementError, match="cannot authenticate"
            ):
                api.get_provider(str(uuid.uuid4()))
        finally:
            api.close()
        # NOTE: only the first request reached Placement: keystonemiddleware
        # refused the second one's token, and Keystone the user afterwards.
        assert [s["user"] for s in placements.seen["public"].seen] == [user.name]


class TestIronicFromTheCatalog:
    @pytest.fixture(scope="class")
    def ironic(self, keystone) -> Iterator[object]:
        """The process's Ironic as ``baremetal`` in Keystone's catalog."""
        ironic = ironic_fixtures.running()
        with catalog.registered(keystone, "baremetal", {"public": ironic.url}):
            yield ironic

    def driver(
        self, tmp_path: pathlib.Path, keystone: support.Keystone, **extra: str
    ) -> ironic_driver.IronicDriver:
        """Mogan's Ironic driver for ``[ironic]`` = the service user + ``extra``."""
        section = catalog.service_section(keystone, api_retry_interval="0.05", **extra)
        return ironic_driver.IronicDriver(
            fixtures.section_conf(tmp_path, "ironic", section)
        )

    def test_the_driver_reads_nodes_through_the_catalog(
        self, keystone, ironic, tmp_path
    ):
        """No endpoint configured: the driver lists and reads Ironic's nodes."""
        node = ironic.enroll(resource_class=f"cat-{uuid.uuid4().hex[:8]}")
        driver = self.driver(tmp_path, keystone)
        assert driver.client.endpoint == ironic.url
        assert node in {spec.uuid for spec in driver.list_nodes()}
        spec = driver.get_node(node)
        assert spec.resource_class == ironic.node(node)["resource_class"]

    def test_a_catalog_url_ending_in_v1_is_the_same_ironic(
        self, keystone, ironic, tmp_path
    ):
        """Ironic listed as ``.../v1/`` (as some clouds do) on ``internal``."""
        with catalog.registered(
            keystone, "baremetal", {"internal": f"{ironic.url}/v1/"}
        ):
            driver = self.driver(tmp_path, keystone, valid_interfaces="internal")
            assert driver.client.endpoint == ironic.url
            node = ironic.create()
            assert driver.get_node(node).uuid == node

    @pytest.mark.usefixtures("ironic")
    def test_no_catalog_entry_is_a_clear_error(self, keystone, tmp_path):
        """An interface the catalog lacks for ``baremetal``: DriverError."""
        driver = self.driver(tmp_path, keystone, valid_interfaces="admin")
        with pytest.raises(base.DriverError, match="endpoint for baremetal"):
            driver.list_nodes()


class TestIronicBehindKeystone:
    """Mogan acts for itself at an Ironic that validates tokens (the service role)."""

    @pytest.fixture(scope="class")
    def ironic(self, keystone) -> Iterator[object]:
        """The process's Keystone-protected Ironic as ``baremetal`` in the catalog."""
        try:
            ironic = keystone_ironic.shared(keystone)
        except ironic_support.IronicUnavailable as err:
            unavailable("Ironic", err)
        with catalog.registered(keystone, "baremetal", {"public": ironic.url}):
            yield ironic

    def driver(
        self, tmp_path: pathlib.Path, keystone: support.Keystone, **extra: str
    ) -> ironic_driver.IronicDriver:
        """Mogan's Ironic driver as the service user (or ``extra``'s user)."""
        section = catalog.service_section(keystone, api_retry_interval="0.05", **extra)
        return ironic_driver.IronicDriver(
            fixtures.section_conf(tmp_path, "ironic", section)
        )

    def test_the_service_role_reads_and_powers_nodes(self, keystone, ironic, tmp_path):
        """Mogan's user holds only ``service``: Ironic lets it see and act."""
        node = ironic.enroll(resource_class=f"ks-{uuid.uuid4().hex[:8]}")
        driver = self.driver(tmp_path, keystone)
        assert node in {spec.uuid for spec in driver.list_nodes()}
        assert driver.get_node(node).uuid == node
        driver.start_power(node, "off")
        ironic.wait(node, "power_state", "power off")
        assert driver.get_power_state(node) == "power off"

    def test_without_the_service_role_ironic_shows_nothing(
        self, keystone, ironic, tmp_path
    ):
        """A member of the same service project: Ironic hides the nodes."""
        node = ironic.enroll(resource_class=f"ks-{uuid.uuid4().hex[:8]}")
        user = keystone.create_user(
            f"not-mogan-{uuid.uuid4().hex[:6]}", password="not-mogan-pw"
        )
        keystone.assign(user, "member", project=keystone.service_user()["project_id"])
        driver = self.driver(
            tmp_path, keystone, username=user.name, password="not-mogan-pw"
        )
        assert node not in {spec.uuid for spec in driver.list_nodes()}
        with pytest.raises(base.DriverError):
            driver.start_power(node, "off")
        assert ironic.node(node)["power_state"] == "power on"
