"""The fake driver: the conformance suite, then its simulation and scripting."""

import json
import subprocess
import sys
import threading
import time
import uuid
from concurrent import futures

import pytest

from mogan.drivers import base, fake, testing

DONE = base.Status(base.Progress.DONE)
IN_PROGRESS = base.Status(base.Progress.IN_PROGRESS)
IMAGE = "http://images.example.org/ubuntu.raw"


@pytest.fixture
def state_path(tmp_path) -> str:
    """The state directory the fleet file lives in."""
    return str(tmp_path / "state")


@pytest.fixture
def make_driver(state_path):
    """Build fake drivers on ``state_path``; they are closed after the test."""
    drivers: list[fake.FakeDriver] = []

    def make(**kwargs) -> fake.FakeDriver:
        drivers.append(fake.FakeDriver(state_path, **kwargs))
        return drivers[-1]

    yield make
    for driver in drivers:
        driver.close()


@pytest.fixture
def driver(make_driver) -> fake.FakeDriver:
    """A fake driver with zero-length operations."""
    return make_driver()


def enroll(driver: fake.FakeDriver, name: str = "node", **fields) -> str:
    """Enroll one node named ``name``; its uuid."""
    node_uuid = str(uuid.uuid4())
    driver.enroll(
        base.NodeSpec(uuid=node_uuid, name=name, resource_class="gold", **fields)
    )
    return node_uuid


def request(server_uuid: str | None = None, **fields) -> base.DeployRequest:
    """A deploy request (for a new server unless one is given)."""
    return base.DeployRequest(
        server_uuid=server_uuid or str(uuid.uuid4()), image_url=IMAGE, **fields
    )


def wait(poll, node_uuid: str, timeout: float = 5.0) -> base.Status:
    """Poll until the operation is no longer in progress; its status."""
    deadline = time.monotonic() + timeout
    while (status := poll(node_uuid)) == IN_PROGRESS:
        assert time.monotonic() < deadline, f"{poll.__name__} never finished"
        time.sleep(0.02)
    return status


def deployed(driver: fake.FakeDriver, server_uuid: str | None = None) -> str:
    """A node deployed (zero-length) for a server; its uuid."""
    node_uuid = enroll(driver)
    driver.start_deploy(node_uuid, request(server_uuid))
    assert wait(driver.poll_deploy, node_uuid) == DONE
    return node_uuid


class TestFakeContract(testing.DriverContract):
    driver_class = fake.FakeDriver
    poll_interval = 0.005

    def make_driver(self, tmp_path):
        """The fake driver with zero-length operations, on the test's fleet."""
        return fake.FakeDriver(str(tmp_path / "state"))

    def close_driver(self, driver):
        """Close its pooled connections."""
        driver.close()

    def make_node(self, driver):
        """The middle of three nodes enrolled out of name order, with a port."""
        suffix = uuid.uuid4().hex[:6]
        enroll(driver, f"node-c-{suffix}")
        node_uuid = enroll(driver, f"node-b-{suffix}", ports=(testing.random_mac(),))
        enroll(driver, f"node-a-{suffix}")
        return node_uuid

    def make_hardware_node(self, driver):
        """A node with four ports (made-up disks, BIOS and firmware)."""
        node_uuid = str(uuid.uuid4())
        driver.enroll(
            base.NodeSpec(
                uuid=node_uuid,
                name=f"hw-{node_uuid[:8]}",
                resource_class="gold",
                ports=tuple(testing.random_mac() for _ in range(4)),
            )
        )
        return node_uuid

    def make_deployed_node(self, driver):
        """A node deployed outside Mogan, with two ports."""
        node_uuid = str(uuid.uuid4())
        driver.enroll_deployed(
            base.NodeSpec(
                uuid=node_uuid,
                name="deployed-elsewhere",
                resource_class="gold",
                ports=("52:54:00:aa:00:01", "52:54:00:aa:00:02"),
            )
        )
        return node_uuid

    def make_failing(self, driver, node_uuid, operation):
        """Script one failure of ``operation``."""
        driver.set_behaviour(node_uuid, **{f"fail_{operation}": 1})

    def bmc_access(self, *, good):
        """A simulated BMC, with credentials or without."""
        if good:
            return base.BmcAccess("fake://rack1-u07", "admin", "secret")
        return base.BmcAccess("fake://rack1-u07", "admin")


class TestEnroll:
    def test_enroll_is_idempotent_by_uuid(self, driver):
        """Enrolling a known uuid again returns False and adds nothing."""
        spec = base.NodeSpec(uuid=str(uuid.uuid4()), name="n1", resource_class="gold")
        assert driver.enroll(spec) is True
        assert driver.enroll(spec) is False
        assert [spec.uuid] == [n.uuid for n in driver.list_nodes()]

    def test_node_fields_round_trip(self, driver):
        """A node reads back with its class, traits, properties and ports, off."""
        node_uuid = enroll(
            driver,
            traits=("CUSTOM_RAID10", "HW_CPU_X86_AVX2"),
            properties={"cpus": 64, "memory_mb": 524288},
            ports=("52:54:00:00:00:01", "52:54:00:00:00:02"),
        )
        node = driver.get_node(node_uuid)
        assert node.resource_class == "gold"
        assert node.traits == ("CUSTOM_RAID10", "HW_CPU_X86_AVX2")
        assert node.properties == {"cpus": 64, "memory_mb": 524288}
        assert node.ports == ("52:54:00:00:00:01", "52:54:00:00:00:02")
        assert node.power_state == "power off"
        assert driver.provision_state(node_uuid) == fake.AVAILABLE

    def test_duplicate_name_is_refused(self, driver):
        """A second node with a taken name is refused with DriverError."""
        enroll(driver, "twin")
        with pytest.raises(base.DriverError, match="twin"):
            enroll(driver, "twin")

    def test_enrolling_a_deployed_node(self, driver):
        """A spec with an instance enrolls an active, powered-on, reserved node."""
        server = str(uuid.uuid4())
        node_uuid = enroll(driver, instance_uuid=server)
        node = driver.get_node(node_uuid)
        assert (server, "power on", False) == (
            node.instance_uuid,
            node.power_state,
            node.consumable,
        )
        assert driver.provision_state(node_uuid) == fake.ACTIVE
        assert driver.poll_deploy(node_uuid) == DONE

    def test_scripting_an_unknown_node_is_not_found(self, driver):
        """Scripting calls raise NodeNotFound for an unknown node."""
        unknown = str(uuid.uuid4())
        with pytest.raises(base.NodeNotFound):
            driver.set_behaviour(unknown, fail_deploy=1)
        with pytest.raises(base.NodeNotFound):
            driver.set_maintenance(unknown, True)
        with pytest.raises(base.NodeNotFound):
            driver.set_power_out_of_band(unknown, "power off")


class TestDurations:
    def test_deploy_lasts_the_default_deploy_seconds(self, make_driver):
        """A deploy is in progress for deploy_seconds, then done and active."""
        driver = make_driver(deploy_seconds=0.2)
        node_uuid = enroll(driver)
        started = time.monotonic()
        driver.start_deploy(node_uuid, request())
        assert driver.poll_deploy(node_uuid) == IN_PROGRESS
        assert driver.provision_state(node_uuid) == fake.DEPLOYING
        assert driver.get_node(node_uuid).consumable is False
        assert wait(driver.poll_deploy, node_uuid) == DONE
        assert time.monotonic() - started >= 0.2
        assert driver.provision_state(node_uuid) == fake.ACTIVE

    def test_deploy_reissued_while_running_is_not_restarted(self, make_driver):
        """Re-issuing a running deploy for its server does not start it again."""
        driver = make_driver(deploy_seconds=30)
        node_uuid, server = enroll(driver), str(uuid.uuid4())
        driver.start_deploy(node_uuid, request(server))
        driver.start_deploy(node_uuid, request(server))
        assert driver.poll_deploy(node_uuid) == IN_PROGRESS
        assert driver.console_log(node_uuid).count("writing image") == 1

    def test_per_node_power_and_clean_seconds(self, driver):
        """Per-node power and clean durations override the driver's zero default."""
        node_uuid = deployed(driver)
        driver.set_behaviour(node_uuid, power_seconds=0.2, clean_seconds=0.2)
        driver.start_power(node_uuid, "off")
        assert driver.poll_power(node_uuid) == IN_PROGRESS
        assert driver.get_power_state(node_uuid) == "power on"
        assert wait(driver.poll_power, node_uuid) == DONE
        assert driver.get_power_state(node_uuid) == "power off"
        driver.start_teardown(node_uuid)
        assert driver.poll_teardown(node_uuid) == IN_PROGRESS
        assert driver.provision_state(node_uuid) == fake.CLEANING
        assert wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True

    def test_other_nodes_keep_the_default(self, driver):
        """A per-node duration does not slow down the other nodes."""
        slow, quick = enroll(driver, "slow"), enroll(driver, "quick")
        driver.set_behaviour(slow, deploy_seconds=30)
        driver.start_deploy(slow, request())
        driver.start_deploy(quick, request())
        assert (
            driver.poll_deploy(slow),
            driver.poll_deploy(quick),
        ) == (IN_PROGRESS, DONE)

    def test_teardown_aborts_a_deploy_in_progress(self, make_driver):
        """A teardown during a deploy cleans the node; the deploy never lands."""
        driver = make_driver(deploy_seconds=30)
        node_uuid = enroll(driver)
        driver.start_deploy(node_uuid, request())
        driver.start_teardown(node_uuid)
        assert driver.poll_teardown(node_uuid) == DONE
        assert driver.get_node(node_uuid).consumable is True
        assert "deployed image" not in driver.console_log(node_uuid)


class TestFailureInjection:
    def test_deploy_fails_the_next_n_times(self, driver):
        """fail_deploy=2 fails two deploys, reserved and off; the third succeeds."""
        node_uuid, server = enroll(driver), str(uuid.uuid4())
        driver.set_behaviour(node_uuid, fail_deploy=2)
        for _ in range(2):
            driver.start_deploy(node_uuid, request(server))
            failed = base.Status(base.Progress.FAILED, "simulated deploy failure")
            assert failed == driver.poll_deploy(node_uuid)
            assert driver.provision_state(node_uuid) == fake.DEPLOY_FAILED
            node = driver.get_node(node_uuid)
            assert (server, "power off") == (node.instance_uuid, node.power_state)
        driver.start_deploy(node_uuid, request(server))
        assert driver.poll_deploy(node_uuid) == DONE

    def test_failed_deploy_still_refuses_another_server(self, driver):
        """A node whose deploy failed stays reserved until torn down."""
        node_uuid = enroll(driver)
        driver.set_behaviour(node_uuid, fail_deploy=1)
        driver.start_deploy(node_uuid, request())
        with pytest.raises(base.DriverError, match="reserved for server"):
            driver.start_deploy(node_uuid, request())

    def test_rebuild_failure(self, driver):
        """fail_deploy applies to rebuilds too."""
        server = str(uuid.uuid4())
        node_uuid = deployed(driver, server)
        driver.set_behaviour(node_uuid, fail_deploy=1)
        driver.start_rebuild(node_uuid, request(server))
        status = driver.poll_deploy(node_uuid)
        assert status.progress == base.Progress.FAILED
        assert status.error == "simulated deploy failure"

    def test_power_failure_keeps_the_power_state(self, driver):
        """A failed power action leaves power as it was; the next one works."""
        node_uuid = deployed(driver)
        driver.set_behaviour(node_uuid, fail_power=1)
        driver.start_power(node_uuid, "off")
        failed = base.Status(base.Progress.FAILED, "simulated power failure")
        assert failed == driver.poll_power(node_uuid)
        assert driver.get_power_state(node_uuid) == "power on"
        driver.start_power(node_uuid, "off")
        assert driver.poll_power(node_uuid) == DONE
        assert driver.get_power_state(node_uuid) == "power off"

    def test_clean_failure_puts_the_node_in_maintenance(self, driver):
        """A failed cleaning clears the instance and sets maintenance with why."""
        node_uuid = deployed(driver)
        driver.set_behaviour(node_uuid, fail_clean=1)
        driver.start_teardown(node_uuid)
        status = driver.poll_teardown(node_uuid)
        assert status.progress == base.Progress.FAILED
        assert "simulated clean failure" in (status.error or "")
        node = driver.get_node(node_uuid)
        assert (
            node.instance_uuid,
            node.maintenance,
            node.consumable,
        ) == (None, True, False)
        assert "cleaning failed: simulated clean failure" in (node.why_not or "")
        driver.start_teardown(node_uuid)
        assert driver.poll_teardown(node_uuid).progress == base.Progress.FAILED

    def test_leaving_maintenance_after_clean_failure_frees_the_node(self, driver):
        """An operator clearing maintenance makes a clean-failed node consumable."""
        node_uuid = deployed(driver)
        driver.set_behaviour(node_uuid, fail_clean=1)
        driver.start_teardown(node_uuid)
        driver.set_maintenance(node_uuid, False)
        assert driver.get_node(node_uuid).consumable is True
        assert driver.poll_teardown(node_uuid) == DONE


class TestStateRules:
    def test_power_action_on_a_free_node_is_refused(self, driver):
        """A node that is not deployed refuses power actions."""
        node_uuid = enroll(driver)
        with pytest.raises(base.DriverError, match="not deployed") as err:
            driver.start_power(node_uuid, "on")
        assert not isinstance(err.value, base.NodeLocked)

    def test_unknown_power_target_is_refused(self, driver):
        """A power action that does not exist is refused."""
        with pytest.raises(base.DriverError, match="hibernate"):
            driver.start_power(deployed(driver), "hibernate")

    def test_power_during_a_deploy_is_locked(self, make_driver):
        """A power action during a deploy is refused as NodeLocked."""
        driver = make_driver(deploy_seconds=30)
        node_uuid = enroll(driver)
        driver.start_deploy(node_uuid, request())
        with pytest.raises(base.NodeLocked):
            driver.start_power(node_uuid, "off")

    def test_a_running_power_action_locks_the_node(self, driver):
        """During a power action, the same one is a no-op and others are locked."""
        server = str(uuid.uuid4())
        node_uuid = deployed(driver, server)
        driver.set_behaviour(node_uuid, power_seconds=30)
        driver.start_power(node_uuid, "off")
        driver.start_power(node_uuid, "off")
        for call in (
            lambda: driver.start_power(node_uuid, "on"),
            lambda: driver.start_rebuild(node_uuid, request(server)),
            lambda: driver.start_teardown(node_uuid),
        ):
            with pytest.raises(base.NodeLocked):
                call()

    def test_deploy_during_cleaning_is_locked(self, driver):
        """A deploy on a node still cleaning is refused as NodeLocked."""
        node_uuid = deployed(driver)
        driver.set_behaviour(node_uuid, clean_seconds=30)
        driver.start_teardown(node_uuid)
        with pytest.raises(base.NodeLocked):
            driver.start_deploy(node_uuid, request())

    def test_rebuild_reissued_while_running_is_a_no_op(self, driver):
        """Re-issuing a rebuild in progress keeps the first one running."""
        server = str(uuid.uuid4())
        node_uuid = deployed(driver, server)
        driver.set_behaviour(node_uuid, deploy_seconds=30)
        driver.start_rebuild(node_uuid, request(server))
        driver.start_rebuild(node_uuid, request(server))
        assert driver.poll_deploy(node_uuid) == IN_PROGRESS


class TestMaintenanceAndOutOfBand:
    def test_maintenance_makes_the_node_unconsumable(self, driver):
        """A node in maintenance says why, refuses deploys, and recovers."""
        node_uuid = enroll(driver)
        driver.set_maintenance(node_uuid, True, reason="disk swap")
        node = driver.get_node(node_uuid)
        assert (node.maintenance, node.consumable) == (True, False)
        assert "disk swap" in (node.why_not or "")
        with pytest.raises(base.DriverError, match="disk swap"):
            driver.start_deploy(node_uuid, request())
        driver.set_maintenance(node_uuid, False)
        assert driver.get_node(node_uuid).consumable is True

    def test_maintenance_keeps_a_deployed_node_running(self, driver):
        """A deployed node put in maintenance keeps its server and power control."""
        server = str(uuid.uuid4())
        node_uuid = deployed(driver, server)
        driver.set_maintenance(node_uuid, True)
        driver.start_power(node_uuid, "off")
        assert driver.get_power_state(node_uuid) == "power off"
        assert server == driver.get_node(node_uuid).instance_uuid

    def test_out_of_band_power_change_is_seen(self, driver):
        """A power change behind Mogan's back shows in reads and the console."""
        node_uuid = deployed(driver)
        driver.set_power_out_of_band(node_uuid, "power off")
        assert driver.get_power_state(node_uuid) == "power off"
        listed = {n.uuid: n.power_state for n in driver.list_nodes()}
        assert listed[node_uuid] == "power off"
        assert "power off (out of band)" in driver.console_log(node_uuid)

    def test_out_of_band_power_state_must_be_a_power_state(self, driver):
        """Only ``power on`` and ``power off`` can be set out of band."""
        with pytest.raises(ValueError, match="not a power state"):
            driver.set_power_out_of_band(enroll(driver), "on")


class TestConsole:
    def test_serial_console_url(self, driver):
        """The serial console is a fake:// URL naming the node."""
        node_uuid = enroll(driver)
        assert driver.get_console(node_uuid, "serial") == {
            "type": "serial",
            "url": f"fake://console/{node_uuid}",
        }

    def test_a_fresh_node_has_an_empty_log(self, driver):
        """A node nothing has happened to has printed nothing."""
        assert driver.console_log(enroll(driver)) == ""

    def test_log_tells_what_happened_in_order(self, driver):
        """Deploy, power off, reboot and cleaning each print their lines in order."""
        server = str(uuid.uuid4())
        node_uuid = enroll(driver, "web-1")
        driver.start_deploy(node_uuid, request(server))
        driver.start_power(node_uuid, "off")
        driver.start_power(node_uuid, "reboot")
        driver.start_teardown(node_uuid)
        log = driver.console_log(node_uuid)
        expected = [
            f"deployed image {IMAGE} for server {server}",
            f"Cloud-init v. 23.4 running 'init' for instance {server}",
            "web-1 login:",
            "power action off requested",
            "fake-bmc: power off",
            "power action reboot requested",
            "reboot: Restarting system",
            "cleaning: erasing disks",
            "cleaning done",
        ]
        position = 0
        for text in expected:
            position = log.find(text, position)
            assert position >= 0, f"{text!r} missing in order from:\n{log}"

    def test_lines_of_the_future_are_hidden(self, make_driver):
        """While a deploy runs, its outcome is not in the log yet."""
        driver = make_driver(deploy_seconds=0.2)
        node_uuid = enroll(driver)
        driver.start_deploy(node_uuid, request())
        assert "writing image" in driver.console_log(node_uuid)
        assert "deployed image" not in driver.console_log(node_uuid)
        wait(driver.poll_deploy, node_uuid)
        assert "deployed image" in driver.console_log(node_uuid)

    def test_failed_deploy_is_logged(self, driver):
        """A failed deploy prints its error instead of a boot."""
        node_uuid = enroll(driver)
        driver.set_behaviour(node_uuid, fail_deploy=1)
        driver.start_deploy(node_uuid, request())
        log = driver.console_log(node_uuid)
        assert "deploy failed: simulated deploy failure" in log
        assert "login:" not in log


# NOTE: run in a child process: deploy every given node for this process's
# own server and report which deploys it won.
_CHILD = """
import json, sys, uuid
from mogan.drivers import base, fake
driver = fake.FakeDriver(sys.argv[1])
won = []
for node_uuid in sys.argv[2:]:
    server = str(uuid.uuid4())
    request = base.DeployRequest(server_uuid=server, image_url="http://i/x")
    try:
        driver.start_deploy(node_uuid, request)
    except base.DriverError:
        continue
    won.append([node_uuid, server])
print(json.dumps(won))
"""


class TestVifs:
    MACS = ("52:54:00:00:00:01", "52:54:00:00:00:02")

    def _deployed(self, driver) -> tuple[str, base.Nic]:
        node_uuid = enroll(driver, ports=self.MACS)
        first = base.Nic(mac=self.MACS[0], port_id="port-1", network_id="net-1")
        driver.start_deploy(node_uuid, request(nics=(first,)))
        assert wait(driver.poll_deploy, node_uuid) == DONE
        return node_uuid, first

    def test_deploy_plugs_its_nics_and_teardown_unplugs_them(self, driver):
        """The deploy request's NICs are the node's VIFs until the teardown."""
        node_uuid, first = self._deployed(driver)
        assert driver.vifs(node_uuid) == [first]
        driver.start_teardown(node_uuid)
        assert wait(driver.poll_teardown, node_uuid) == DONE
        assert driver.vifs(node_uuid) == []

    def test_attach_and_detach_one_vif(self, driver):
        """A second VIF on the free port, logged on the console; then unplugged."""
        node_uuid, first = self._deployed(driver)
        second = base.Nic(mac=self.MACS[1].upper(), port_id="port-2", network_id="n2")
        driver.attach_vif(node_uuid, second)
        driver.attach_vif(node_uuid, second)
        assert [v.port_id for v in driver.vifs(node_uuid)] == ["port-1", "port-2"]
        assert driver.vifs(node_uuid)[1].mac == self.MACS[1]
        driver.detach_vif(node_uuid, "port-2")
        driver.detach_vif(node_uuid, "port-2")
        assert driver.vifs(node_uuid) == [first]
        log = driver.console_log(node_uuid)
        assert f"VIF port-2 of network n2 plugged on {self.MACS[1]}" in log
        assert f"VIF port-2 unplugged from {self.MACS[1]}" in log

    def test_a_port_carries_one_vif(self, driver):
        """Another VIF on a port that has one is refused, naming it."""
        node_uuid, _ = self._deployed(driver)
        other = base.Nic(mac=self.MACS[0], port_id="port-9", network_id="n")
        with pytest.raises(base.DriverError, match="already has VIF port-1"):
            driver.attach_vif(node_uuid, other)

    def test_unknown_port_and_free_node_are_refused(self, driver):
        """A MAC the node lacks, or a node without a server: DriverError."""
        node_uuid, _ = self._deployed(driver)
        stray = base.Nic(mac="52:54:00:ff:ff:ff", port_id="p", network_id="n")
        with pytest.raises(base.DriverError, match="has no port"):
            driver.attach_vif(node_uuid, stray)
        free = enroll(driver, name="free", ports=self.MACS)
        nic = base.Nic(mac=self.MACS[0], port_id="p", network_id="n")
        with pytest.raises(base.DriverError, match="carries no server"):
            driver.attach_vif(free, nic)

    def test_busy_node_is_locked(self, make_driver):
        """During a deploy the node is busy: NodeLocked, to retry."""
        driver = make_driver(deploy_seconds=60)
        node_uuid = enroll(driver, ports=self.MACS)
        driver.start_deploy(node_uuid, request())
        nic = base.Nic(mac=self.MACS[1], port_id="p", network_id="n")
        with pytest.raises(base.NodeLocked):
            driver.attach_vif(node_uuid, nic)


class TestSharing:
    def test_two_drivers_on_one_state_dir_share_the_fleet(self, make_driver):
        """Changes through one driver instance are seen through another."""
        first, second = make_driver(), make_driver()
        node_uuid = enroll(first)
        server = str(uuid.uuid4())
        second.set_behaviour(node_uuid, fail_deploy=1)
        first.start_deploy(node_uuid, request(server))
        assert second.poll_deploy(node_uuid).progress == base.Progress.FAILED
        second.start_deploy(node_uuid, request(server))
        assert server == first.get_node(node_uuid).instance_uuid
        assert first.poll_deploy(node_uuid) == DONE

    def test_processes_share_the_fleet_and_never_double_book(self, driver, state_path):
        """Processes racing to deploy the same nodes never win the same node."""
        nodes = [enroll(driver, f"n{i:03d}") for i in range(300)]
        children = [
            subprocess.Popen(
                [sys.executable, "-c", _CHILD, state_path, *nodes],
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [child.communicate(timeout=60)[0] for child in children]
        assert [child.returncode for child in children] == [0, 0, 0]
        won = [json.loads(output) for output in outputs]
        winners = dict(pair for pairs in won for pair in pairs)
        assert sum(len(pairs) for pairs in won) == len(nodes) == len(winners)
        reserved = {n.uuid: n.instance_uuid for n in driver.list_nodes()}
        assert winners == reserved


class TestConcurrency:
    def test_threads_deploy_distinct_nodes(self, driver):
        """Concurrent deploys of distinct nodes from many threads all succeed."""
        nodes = {enroll(driver, f"n{i:03d}"): str(uuid.uuid4()) for i in range(100)}
        with futures.ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda n: driver.start_deploy(n, request(nodes[n])), nodes))
        assert nodes == {n.uuid: n.instance_uuid for n in driver.list_nodes()}

    def test_exactly_one_server_wins_a_contested_node(self, driver):
        """Threads deploying one node for different servers: exactly one wins."""
        node_uuid = enroll(driver)
        barrier = threading.Barrier(16)

        def attempt(server: str) -> str | None:
            barrier.wait()
            try:
                driver.start_deploy(node_uuid, request(server))
            except base.DriverError:
                return None
            return server

        servers = [str(uuid.uuid4()) for _ in range(16)]
        with futures.ThreadPoolExecutor(max_workers=16) as pool:
            winners = [s for s in pool.map(attempt, servers) if s is not None]
        assert len(winners) == 1
        assert winners[0] == driver.get_node(node_uuid).instance_uuid

    def test_five_hundred_deploys_take_seconds(self, driver):
        """500 deploys and teardowns on a zero-delay fleet finish within 20 s."""
        started = time.monotonic()
        nodes = [enroll(driver, f"n{i:03d}") for i in range(500)]
        with futures.ThreadPoolExecutor(max_workers=50) as pool:
            list(pool.map(lambda n: driver.start_deploy(n, request()), nodes))
            assert all(s == DONE for s in pool.map(driver.poll_deploy, nodes))
            list(pool.map(driver.start_teardown, nodes))
            assert all(s == DONE for s in pool.map(driver.poll_teardown, nodes))
        assert all(n.consumable for n in driver.list_nodes())
        assert time.monotonic() - started < 20
