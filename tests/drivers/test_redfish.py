"""The Redfish driver against the Redfish emulator: the conformance suite, TLS.

Every test drives the team's sushy-tools emulator (``tests/redfish``) on
loopback through sushy; the deploy media really go over HTTP (images and
the config drive from a ``files.FileServer`` standing in for Mogan's media
store). Failures are the emulator's scripted faults.
"""

import pathlib
import uuid

import pytest

from mogan import conf as mogan_conf
from mogan.drivers import base, redfish, store, testing
from tests.redfish import files, specs, support
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
    redfish_tls_fixture,
)

pytestmark = pytest.mark.services


class FileMedia:
    """A ``MediaStore`` on the test's file server (the TTL is recorded only)."""

    def __init__(self, server: files.FileServer) -> None:
        """Publish on ``server``."""
        self.server = server
        self.ttls: dict[str, float] = {}

    def publish(self, name: str, data: bytes, ttl: float) -> str:
        """Serve ``data`` at ``/media/<name>``."""
        self.ttls[name] = ttl
        return self.server.add(f"media/{name}", data)

    def withdraw(self, name: str) -> None:
        """Stop serving it (later downloads get 404)."""
        with self.server.lock:
            self.server.files.pop(f"/media/{name}", None)
        self.ttls.pop(name, None)

    def served(self) -> list[str]:
        """Names served now."""
        with self.server.lock:
            return sorted(
                p.removeprefix("/media/")
                for p in self.server.files
                if p.startswith("/media/")
            )


def make_conf(**redfish_opts: object) -> object:
    """Mogan's configuration with quick retries for the emulator."""
    conf = mogan_conf.make_conf(default_config_files=[])
    redfish.RedfishDriver.register_opts(conf)
    settings = {"server_side_retries": 1, "server_side_retries_delay": 0.1}
    settings.update(redfish_opts)
    for name, value in settings.items():
        conf.set_override(name, value, "redfish")
    return conf


def bmc_of(
    emulator: support.Emulator, system: support.System, **fields: object
) -> base.BmcAccess:
    """The BMC access of an emulated system."""
    values: dict[str, object] = {
        "address": emulator.url + system.path,
        "username": emulator.username,
        "password": emulator.password,
    }
    values.update(fields)
    return base.BmcAccess(**values)  # type: ignore[arg-type]


def composition_service(
    emulator: support.Emulator, pool: testing.Pool
) -> base.BmcAccess:
    """The emulator's CompositionService, holding ``pool``."""
    emulator.set_pool(
        specs.simple_pool(
            pool.zones, compute=pool.compute, gpu=pool.gpu, storage=pool.storage
        )
    )
    return base.BmcAccess(
        address=emulator.url, username=emulator.username, password=emulator.password
    )


class TestRedfishContract(testing.DriverContract):
    driver_class = redfish.RedfishDriver
    poll_interval = 0.02
    poll_timeout = 30.0

    @pytest.fixture(autouse=True)
    def _bmcs(self, redfish, file_server):
        """The emulator, a node store and media for this test's drivers."""
        self.emulator = redfish
        self.files = file_server
        self.nodes = store.MemoryNodeStore()
        self.media = FileMedia(file_server)
        self.systems: dict[str, str] = {}
        self.image_url = file_server.add_iso("images/contract.iso")
        self.rebuild_image_url = file_server.add_iso("images/contract-2.iso")
        self.installer_url = file_server.add_installer()

    def make_driver(self, tmp_path: pathlib.Path) -> redfish.RedfishDriver:
        """A driver on the test's store and media (as every engine shares them).

        The suite's images are raw disk images (its requests' default
        disk_format): they go through the installer, which the emulator's
        systems run when they boot the installer ISO.
        """
        del tmp_path
        driver = redfish.RedfishDriver(make_conf(installer_iso_url=self.installer_url))
        driver.use_store(self.nodes, self.media)
        return driver

    def close_driver(self, driver):
        """Log out of the BMCs."""
        driver.close()

    def _enroll(self, driver, spec: dict) -> str:
        system = self.emulator.add_system(spec)
        node_uuid = str(uuid.uuid4())
        driver.enroll(
            base.NodeSpec(
                uuid=node_uuid, name=f"node-{spec['name']}", resource_class="gold"
            ),
            bmc_of(self.emulator, system),
        )
        self.systems[node_uuid] = system.uuid
        return node_uuid

    def make_node(self, driver):
        """A system of its own on the emulator, enrolled through its BMC."""
        return self._enroll(driver, specs.system(f"sys-{uuid.uuid4().hex[:8]}"))

    def make_hardware_node(self, driver):
        """Four drives, a BIOS registry, two NICs; no firmware update service.

        NOTE: the suite's firmware images are on firmware.example.org, which
        a BMC that really downloads (this one) cannot fetch: firmware is
        tested below with images it can reach.
        """
        name = f"hw-{uuid.uuid4().hex[:8]}"
        macs = (testing.random_mac(), testing.random_mac())
        return self._enroll(
            driver,
            specs.system(
                name,
                macs=macs,
                drives=4,
                features=("bios", "volumes", "virtual_media"),
            ),
        )

    def make_failing(self, driver, node_uuid, operation):
        """Script the emulator: media insert, reset, or the cleaning's power off.

        NOTE: the suite's deploys go through the installer, which leaves no
        medium inserted: the cleaning fails at its power off.
        """
        del driver
        system = self.systems[node_uuid]
        if operation == "deploy":
            self.emulator.fail(
                "media.insert", system, status=500, message="vmedia busy"
            )
        elif operation == "power":
            self.emulator.fail("power", system, status=500, message="PSU fault")
        else:
            self.emulator.fail(
                "power", system, status=500, message="PSU fault", times=None
            )

    def make_composition_service(self, driver, pool):
        """The emulator's own CompositionService (composed systems are its own)."""
        del driver
        return composition_service(self.emulator, pool)

    def bmc_access(self, *, good):
        """bmc-0 with the right or a wrong password."""
        first = self.emulator.systems()[0]
        if good:
            return bmc_of(self.emulator, first)
        return bmc_of(self.emulator, first, password="wrong")

    def test_the_suites_disk_images_go_through_the_installer(self, deployed):
        """The suite's raw images: installed by the installer, the disk booted."""
        seen = self.emulator.system(self.systems[deployed])
        assert seen["disk"]["image_url"] == self.image_url
        assert seen["install"]["state"] == "done"
        assert seen["last_boot"] == {
            "device": "Hdd",
            "image": self.image_url,
            "at": seen["last_boot"]["at"],
        }
        assert self.files.count("installer.iso") == 1

    def test_enroll_is_idempotent_by_uuid(self, driver):
        """Enrolling adds a listed node once; again with its uuid returns False.

        Overrides the contract's test, which enrolls without a BMC: a Redfish
        node is nothing without one, and enrolling it so is refused.
        """
        node_uuid = str(uuid.uuid4())
        spec = base.NodeSpec(
            uuid=node_uuid,
            name=f"enrolled-{node_uuid[:8]}",
            resource_class=self.resource_class,
        )
        bmc = self.bmc_access(good=True)
        assert driver.enroll(spec, bmc) is True
        assert driver.enroll(spec, bmc) is False
        assert node_uuid in [n.uuid for n in driver.list_nodes()]
        assert driver.get_node(node_uuid).consumable is True
        with pytest.raises(base.DriverError, match="with its BMC"):
            driver.enroll(
                base.NodeSpec(uuid=str(uuid.uuid4()), name="x", resource_class="x")
            )
