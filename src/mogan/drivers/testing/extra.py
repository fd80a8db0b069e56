"""Conformance tests of the optional interfaces and of how a driver declares itself.

Console, adoption, enrolment and VIFs are tested when the driver has them (the
tests skip otherwise, saying which interface is missing); a missing one is
refused by ``capabilities.require`` with "driver X cannot ...". The declaration
tests check the name, the option groups (one per driver, registered twice
without harm) and that the required interfaces are there.

What must not live here: hooks and fixtures (``harness``), tests of the
required interfaces (``core``).
"""

import dataclasses
import uuid

import pytest
from oslo_config import cfg

from mogan import exception
from mogan.drivers import base, capabilities
from mogan.drivers.testing import harness

DONE = harness.DONE


class ExtraTests(harness.Harness):
    """Optional interfaces and the driver's declaration."""

    # ------------------------------------------------------------ declaration

    def test_declares_a_name_and_the_required_interfaces(
        self, driver: base.Driver
    ) -> None:
        """A named ``Driver`` with inventory, power and deploy."""
        assert isinstance(driver.name, str)
        assert driver.name
        assert capabilities.capabilities(driver) >= capabilities.REQUIRED

    def test_missing_interfaces_are_refused_by_name(self, driver: base.Driver) -> None:
        """Each optional interface it lacks is a 409 naming the driver."""
        for capability, interface in capabilities.INTERFACES.items():
            if capability in capabilities.capabilities(driver):
                assert capabilities.require(driver, interface, "x") is driver
                continue
            with pytest.raises(exception.DriverCannot) as caught:
                capabilities.require(driver, interface, f"do {capability}")
            assert (
                caught.value.message == f"driver {driver.name} cannot do {capability}"
            )

    def test_options_are_its_own_group(self, driver: base.Driver) -> None:
        """Options are in groups named after the driver; registering twice is fine."""
        kind = type(driver)
        for group, opts in kind.list_opts():
            assert group == driver.name or group.startswith(f"{driver.name}_")
            assert all(isinstance(opt, cfg.Opt) for opt in opts)
        conf = cfg.ConfigOpts()
        kind.register_opts(conf)
        kind.register_opts(conf)
        conf([])
        for group, _ in kind.list_opts():
            assert group in conf

    # ------------------------------------------------------------ console

    @harness.needs(base.ConsoleInterface)
    def test_serial_console_has_a_url(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """The serial console is described by its type and a URL."""
        console = self.need(driver, base.ConsoleInterface).get_console(
            node_uuid, "serial"
        )
        assert console["type"] == "serial"
        assert console["url"]

    @harness.needs(base.ConsoleInterface)
    def test_unknown_console_kind_is_unavailable(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """A console kind the node lacks raises ConsoleUnavailable."""
        consoles = self.need(driver, base.ConsoleInterface)
        with pytest.raises(base.ConsoleUnavailable):
            consoles.get_console(node_uuid, "no-such-console")

    @harness.needs(base.ConsoleInterface)
    def test_console_log_is_text(self, driver: base.Driver, deployed: str) -> None:
        """The console log of a deployed node is text, or unavailable (kept nowhere)."""
        try:
            log = self.need(driver, base.ConsoleInterface).console_log(deployed)
        except base.ConsoleUnavailable:
            return
        assert isinstance(log, str)

    @harness.needs(base.ConsoleInterface)
    @pytest.mark.usefixtures("node_uuid")
    def test_console_of_an_unknown_node_is_not_found(self, driver: base.Driver) -> None:
        """Console calls on an unknown node raise NodeNotFound."""
        consoles = self.need(driver, base.ConsoleInterface)
        with pytest.raises(base.NodeNotFound):
            consoles.get_console(str(uuid.uuid4()), "serial")
        with pytest.raises(base.NodeNotFound):
            consoles.console_log(str(uuid.uuid4()))

    # ------------------------------------------------------------ adoption

    @harness.needs(base.ManageInterface)
    def test_deployed_node_is_manageable(
        self, driver: base.Driver, manageable_node: str
    ) -> None:
        """A node deployed outside Mogan is listed as manageable, on, with ports."""
        manager = self.need(driver, base.ManageInterface)
        listed = {m.uuid: m for m in manager.list_manageable()}
        node = listed[manageable_node]
        assert node.provision_state == "active"
        assert node.power_state == "power on"
        assert node.resource_class
        assert node.ports
        assert node.ports == driver.get_node(manageable_node).ports

    @harness.needs(base.ManageInterface)
    def test_free_node_is_not_manageable(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """A free (undeployed) node is not offered for adoption."""
        manager = self.need(driver, base.ManageInterface)
        assert node_uuid not in [m.uuid for m in manager.list_manageable()]

    @harness.needs(base.ManageInterface)
    def test_adopt_records_the_server_and_keeps_the_node_running(
        self, driver: base.Driver, manageable_node: str, server_uuid: str
    ) -> None:
        """Adoption reserves the node for the server; it stays on, unlisted."""
        manager = self.need(driver, base.ManageInterface)
        manager.adopt(manageable_node, server_uuid)
        node = driver.get_node(manageable_node)
        assert server_uuid == node.instance_uuid
        assert node.consumable is False
        assert driver.get_power_state(manageable_node) == "power on"
        assert manageable_node not in [m.uuid for m in manager.list_manageable()]

    @harness.needs(base.ManageInterface)
    def test_adopt_is_idempotent_for_the_same_server(
        self, driver: base.Driver, manageable_node: str, server_uuid: str
    ) -> None:
        """Adopting again for the same server changes nothing."""
        manager = self.need(driver, base.ManageInterface)
        manager.adopt(manageable_node, server_uuid)
        manager.adopt(manageable_node, server_uuid)
        assert server_uuid == driver.get_node(manageable_node).instance_uuid

    @harness.needs(base.ManageInterface)
    def test_adopt_for_another_server_is_refused(
        self, driver: base.Driver, manageable_node: str, server_uuid: str
    ) -> None:
        """An adopted node refuses adoption by another server."""
        manager = self.need(driver, base.ManageInterface)
        manager.adopt(manageable_node, server_uuid)
        with pytest.raises(base.DriverError):
            manager.adopt(manageable_node, str(uuid.uuid4()))
        assert server_uuid == driver.get_node(manageable_node).instance_uuid

    @harness.needs(base.ManageInterface)
    def test_adopt_of_a_free_node_is_refused(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """A node that is not deployed cannot be adopted."""
        manager = self.need(driver, base.ManageInterface)
        with pytest.raises(base.DriverError):
            manager.adopt(node_uuid, str(uuid.uuid4()))
        assert driver.get_node(node_uuid).instance_uuid is None

    @harness.needs(base.ManageInterface)
    @pytest.mark.usefixtures("node_uuid")
    def test_adopt_of_an_unknown_node_is_not_found(self, driver: base.Driver) -> None:
        """Adopting a node the backend does not know raises NodeNotFound."""
        manager = self.need(driver, base.ManageInterface)
        with pytest.raises(base.NodeNotFound):
            manager.adopt(str(uuid.uuid4()), str(uuid.uuid4()))

    @harness.needs(base.ManageInterface)
    def test_adopted_node_powers_and_tears_down_like_a_deployed_one(
        self, driver: base.Driver, manageable_node: str, server_uuid: str
    ) -> None:
        """An adopted server's node powers off and on, then tears down free."""
        self.need(driver, base.ManageInterface).adopt(manageable_node, server_uuid)
        driver.start_power(manageable_node, "off")
        assert self.wait(driver.poll_power, manageable_node) == DONE
        assert driver.get_power_state(manageable_node) == "power off"
        driver.start_power(manageable_node, "on")
        assert self.wait(driver.poll_power, manageable_node) == DONE
        driver.start_teardown(manageable_node)
        assert self.wait(driver.poll_teardown, manageable_node) == DONE
        node = driver.get_node(manageable_node)
        assert node.instance_uuid is None
        assert node.consumable is True

    # ------------------------------------------------------------ enrolment

    @harness.needs(base.EnrollInterface)
    def test_enroll_is_idempotent_by_uuid(self, driver: base.Driver) -> None:
        """Enrolling adds a listed node once; again with its uuid returns False."""
        enroller = self.need(driver, base.EnrollInterface)
        node_uuid = str(uuid.uuid4())
        spec = base.NodeSpec(
            uuid=node_uuid,
            name=f"enrolled-{node_uuid[:8]}",
            resource_class=self.resource_class,
            ports=(harness.random_mac(),),
        )
        assert enroller.enroll(spec) is True
        assert enroller.enroll(spec) is False
        assert node_uuid in [n.uuid for n in driver.list_nodes()]
        assert driver.get_node(node_uuid).consumable is True

    @harness.needs(base.EnrollInterface)
    def test_bmc_is_validated_and_read(self, driver: base.Driver) -> None:
        """A BMC that answers gives its hardware; one that refuses is BmcRefused."""
        enroller = self.need(driver, base.EnrollInterface)
        found = enroller.validate_bmc(self.bmc_access(good=True))
        assert isinstance(found, base.Inventory)
        with pytest.raises(base.BmcRefused):
            enroller.validate_bmc(self.bmc_access(good=False))

    @harness.needs(base.EnrollInterface)
    def test_enrolled_through_a_bmc_has_its_hardware(self, driver: base.Driver) -> None:
        """A node enrolled through a BMC has the BMC's NICs as ports."""
        enroller = self.need(driver, base.EnrollInterface)
        bmc = self.bmc_access(good=True)
        node_uuid = str(uuid.uuid4())
        spec = base.NodeSpec(
            uuid=node_uuid,
            name=f"bmc-{node_uuid[:8]}",
            resource_class=self.resource_class,
        )
        assert enroller.enroll(spec, bmc) is True
        macs = {nic.mac for nic in enroller.validate_bmc(bmc).nics}
        assert set(driver.get_node(node_uuid).ports) <= macs
        with pytest.raises(base.BmcRefused):
            enroller.enroll(
                base.NodeSpec(
                    uuid=str(uuid.uuid4()), name="refused", resource_class="x"
                ),
                self.bmc_access(good=False),
            )

    @harness.needs(base.EnrollInterface)
    def test_update_node_changes_what_mogan_sees(self, driver: base.Driver) -> None:
        """A node's name, class, traits and properties change; a taken name is not."""
        enroller = self.need(driver, base.EnrollInterface)
        first = driver.get_node(self.make_node(driver))
        second = driver.get_node(self.make_node(driver))
        changed = dataclasses.replace(
            first,
            name=f"renamed-{first.uuid[:8]}",
            resource_class=f"{self.resource_class}-b",
            traits=("CUSTOM_UPDATED",),
            properties={"cpus": 4},
        )
        enroller.update_node(changed)
        node = driver.get_node(first.uuid)
        assert (node.name, node.resource_class) == (
            changed.name,
            changed.resource_class,
        )
        assert (set(node.traits), node.properties) == ({"CUSTOM_UPDATED"}, {"cpus": 4})
        assert node.ports == first.ports
        with pytest.raises(base.DriverError):
            enroller.update_node(dataclasses.replace(changed, name=second.name))
        assert driver.get_node(first.uuid).name == changed.name
        with pytest.raises(base.NodeNotFound):
            enroller.update_node(dataclasses.replace(changed, uuid=str(uuid.uuid4())))

    @harness.needs(base.EnrollInterface)
    def test_update_node_with_a_refusing_bmc_changes_nothing(
        self, driver: base.Driver
    ) -> None:
        """A new BMC is validated first: when it refuses, the node is unchanged."""
        enroller = self.need(driver, base.EnrollInterface)
        spec = driver.get_node(self.make_node(driver))
        with pytest.raises(base.BmcRefused):
            enroller.update_node(
                dataclasses.replace(spec, name="never"), self.bmc_access(good=False)
            )
        assert driver.get_node(spec.uuid).name == spec.name
        enroller.update_node(spec, self.bmc_access(good=True))
        assert driver.get_node(spec.uuid).name == spec.name

    @harness.needs(base.EnrollInterface)
    def test_unenroll_removes_a_free_node(self, driver: base.Driver) -> None:
        """An unenrolled node is gone from the driver; again is a no-op."""
        enroller = self.need(driver, base.EnrollInterface)
        node_uuid = self.make_node(driver)
        enroller.unenroll(node_uuid)
        assert node_uuid not in [n.uuid for n in driver.list_nodes()]
        with pytest.raises(base.NodeNotFound):
            driver.get_node(node_uuid)
        enroller.unenroll(node_uuid)

    @harness.needs(base.EnrollInterface)
    def test_unenroll_refuses_a_node_with_a_server(
        self, driver: base.Driver, deployed: str, server_uuid: str
    ) -> None:
        """A node reserved for a server is refused (DriverError) and stays."""
        enroller = self.need(driver, base.EnrollInterface)
        with pytest.raises(base.DriverError):
            enroller.unenroll(deployed)
        assert driver.get_node(deployed).instance_uuid == server_uuid

    # ------------------------------------------------------------ hardware

    @harness.needs(base.HardwareInterface)
    def test_empty_hardware_request_is_valid(
        self, driver: base.Driver, node_uuid: str
    ) -> None:
        """Asking for no hardware change is always acceptable."""
        configurer = self.need(driver, base.HardwareInterface)
        configurer.validate_hardware(node_uuid, base.HardwareRequest())

    # ------------------------------------------------------------ VIFs

    @harness.needs(base.VifInterface)
    def test_vif_plugs_and_unplugs_on_a_deployed_node(
        self, driver: base.Driver, deployed: str
    ) -> None:
        """Attach and detach one VIF; each again is a no-op, not an error."""
        vifs = self.need(driver, base.VifInterface)
        nic = base.Nic(
            mac=driver.get_node(deployed).ports[0],
            port_id=str(uuid.uuid4()),
            network_id=str(uuid.uuid4()),
        )
        vifs.attach_vif(deployed, nic)
        vifs.attach_vif(deployed, nic)
        vifs.detach_vif(deployed, nic.port_id)
        vifs.detach_vif(deployed, nic.port_id)
        vifs.detach_vif(deployed, str(uuid.uuid4()))

    @harness.needs(base.VifInterface)
    def test_vif_of_an_unknown_node_is_not_found(self, driver: base.Driver) -> None:
        """NodeNotFound, both ways."""
        vifs = self.need(driver, base.VifInterface)
        unknown = str(uuid.uuid4())
        nic = base.Nic(mac=harness.random_mac(), port_id="p", network_id="n")
        with pytest.raises(base.NodeNotFound):
            vifs.attach_vif(unknown, nic)
        with pytest.raises(base.NodeNotFound):
            vifs.detach_vif(unknown, "p")
