"""Conformance tests of the hardware interface (RAID, BIOS, firmware, bonds).

Collected only for drivers with ``HardwareInterface``. The node comes from
the ``make_hardware_node`` hook (default: ``make_node``); the request is
made from the node's own inventory (``request_from``): a RAID volume its
controllers can build, a writable BIOS enumeration set to another allowed
value, a firmware update of one of its components, a bond of two ports on
one physical network. Sections the inventory cannot give are left out.
What a deploy applied is read back through the driver (its result and its
inventory's BIOS values), never from Mogan.

What must not live here: hooks and fixtures (``harness``).
"""

import dataclasses
import uuid

import pytest

from mogan.drivers import base
from mogan.drivers.testing import harness

DONE = harness.DONE
MIN_DISKS = {"0": 1, "1": 2, "5": 3, "6": 4, "1+0": 4}


def _raid(inventory: base.Inventory) -> tuple[base.LogicalDisk, ...]:
    for controller in inventory.raid_controllers:
        disks = [
            d
            for d in inventory.disks
            if controller.software or d.controller == controller.name
        ]
        for level in ("1", "0"):
            if level in controller.raid_levels and len(disks) >= MIN_DISKS[level]:
                return (
                    base.LogicalDisk(
                        raid_level=level,
                        size_gb=min(d.size_gb for d in disks[:2]) // 2 or None,
                        is_root_volume=True,
                        controller=controller.name,
                        number_of_physical_disks=MIN_DISKS[level],
                    ),
                )
    return ()


def _bios(inventory: base.Inventory) -> tuple[base.BiosSetting, ...]:
    for name, attr in sorted(inventory.bios.items()):
        others = [v for v in attr.allowable_values if v != attr.current_value]
        if (
            attr.attribute_type is base.BiosAttributeType.ENUMERATION
            and not attr.read_only
            and others
        ):
            return (base.BiosSetting(name, others[0]),)
    return ()


def _bonds(inventory: base.Inventory) -> tuple[base.Bond, ...]:
    by_physnet: dict[str | None, list[str]] = {}
    for nic in inventory.nics:
        by_physnet.setdefault(nic.physical_network, []).append(nic.mac)
    for macs in by_physnet.values():
        if len(macs) >= 2:  # noqa: PLR2004 - a bond of two links
            return (base.Bond("bond0", "802.3ad", tuple(macs[:2]), miimon=100),)
    return ()


def request_from(inventory: base.Inventory) -> base.HardwareRequest:
    """A hardware request the node of ``inventory`` can take."""
    firmware = tuple(
        base.FirmwareUpdate(
            c.component,
            f"http://firmware.example.org/{c.component}-99.1.0.bin",
            "sha256:" + "0" * 64,
        )
        for c in inventory.firmware[:1]
    )
    return base.HardwareRequest(
        raid=_raid(inventory),
        bios=_bios(inventory),
        firmware=firmware,
        bonds=_bonds(inventory),
    )


class HardwareTests(harness.Harness):
    """The hardware interface: checks, deploys, results, teardown."""

    def make_hardware_node(self, driver: base.Driver) -> str:
        """A consumable node with hardware to configure (default: ``make_node``)."""
        return self.make_node(driver)

    @pytest.fixture
    def hw_node(self, driver: base.Driver) -> str:
        """A node for the hardware tests."""
        return self.make_hardware_node(driver)

    def _deploy(
        self, driver: base.Driver, node_uuid: str, request: base.HardwareRequest
    ) -> base.Status:
        deploy = dataclasses.replace(self.request(str(uuid.uuid4())), hardware=request)
        driver.start_deploy(node_uuid, deploy)
        return self.wait(driver.poll_deploy, node_uuid)

    @harness.needs(base.HardwareInterface)
    def test_impossible_requests_are_rejected_naming_the_section(
        self, driver: base.Driver, hw_node: str
    ) -> None:
        """Unknown BIOS attributes, too many disks, absent firmware or ports."""
        configurer = self.need(driver, base.HardwareInterface)
        inventory = driver.get_inventory(hw_node)
        impossible = {
            "raid": base.HardwareRequest(
                raid=(
                    base.LogicalDisk(
                        "0", number_of_physical_disks=len(inventory.disks) + 1
                    ),
                )
            ),
            "bios": base.HardwareRequest(
                bios=(base.BiosSetting("NoSuchAttributeAnywhere", "x"),)
            ),
            "firmware": base.HardwareRequest(
                firmware=(
                    base.FirmwareUpdate(
                        "nic:no-such-nic", "http://firmware.example.org/x-1.0.bin"
                    ),
                )
            ),
            "bonds": base.HardwareRequest(
                bonds=(base.Bond("bond0", "802.3ad", ("02:00:00:00:00:01",)),)
            ),
        }
        for section, request in impossible.items():
            with pytest.raises(base.HardwareRejected) as caught:
                configurer.validate_hardware(hw_node, request)
            assert section in caught.value.message

    @harness.needs(base.HardwareInterface)
    def test_request_from_the_inventory_is_valid(
        self, driver: base.Driver, hw_node: str
    ) -> None:
        """A request built from the node's own inventory passes the check."""
        configurer = self.need(driver, base.HardwareInterface)
        request = request_from(driver.get_inventory(hw_node))
        assert request, "the node's inventory offers nothing to configure"
        configurer.validate_hardware(hw_node, request)

    @harness.needs(base.HardwareInterface)
    def test_deploy_applies_and_reports_each_section(
        self, driver: base.Driver, hw_node: str
    ) -> None:
        """Every asked section is applied; the BIOS now has the value set."""
        configurer = self.need(driver, base.HardwareInterface)
        request = request_from(driver.get_inventory(hw_node))
        assert self._deploy(driver, hw_node, request) == DONE
        result = configurer.hardware_result(hw_node)
        assert [r.section for r in result.sections] == list(request.sections())
        assert all(r.applied and r.error is None for r in result.sections)
        bios = driver.get_inventory(hw_node).bios
        for setting in request.bios:
            assert bios[setting.name].current_value == setting.value

    @harness.needs(base.HardwareInterface)
    def test_teardown_restores_the_bios(
        self, driver: base.Driver, hw_node: str
    ) -> None:
        """After teardown the BIOS values are the ones before the deploy."""
        before = driver.get_inventory(hw_node).bios
        request = request_from(driver.get_inventory(hw_node))
        assert self._deploy(driver, hw_node, request) == DONE
        driver.start_teardown(hw_node)
        assert self.wait(driver.poll_teardown, hw_node) == DONE
        after = driver.get_inventory(hw_node).bios
        for setting in request.bios:
            assert (
                after[setting.name].current_value == before[setting.name].current_value
            )
        assert driver.get_node(hw_node).consumable

    @harness.needs(base.HardwareInterface)
    def test_rebuild_keeps_the_configuration(
        self, driver: base.Driver, hw_node: str
    ) -> None:
        """A rebuild asking for no hardware leaves the deploy's settings."""
        request = request_from(driver.get_inventory(hw_node))
        server = str(uuid.uuid4())
        deploy = dataclasses.replace(self.request(server), hardware=request)
        driver.start_deploy(hw_node, deploy)
        assert self.wait(driver.poll_deploy, hw_node) == DONE
        driver.start_rebuild(hw_node, self.request(server, self.rebuild_image_url))
        assert self.wait(driver.poll_deploy, hw_node) == DONE
        bios = driver.get_inventory(hw_node).bios
        for setting in request.bios:
            assert bios[setting.name].current_value == setting.value
