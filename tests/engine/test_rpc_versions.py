"""RPC version caps for rolling upgrades (``[upgrade_levels]``).

An API a release ahead talks to an older engine: with the engine capped at
the older version, a nudge leaves out the arguments the older engine does
not take, and a call the cap cannot carry fails with an error saying why
before anything is sent. Servers are real oslo.messaging RPC servers on
the in-process bus; the "older engine" is an endpoint serving version 1.2
with 1.2's ``nudge`` signature.
"""

import threading
import uuid

import oslo_messaging as messaging
import pytest

from mogan import exception, rpc
from mogan.engine import manager
from mogan.engine import rpcapi as engine_rpcapi
from mogan.scheduler import request as select_request
from mogan.scheduler import rpcapi as scheduler_rpcapi
from tests.engine.conftest import make_bus_conf, wait_for

CTX = {"request_id": "req-caps", "roles": ["admin"]}


class OldEngine:
    """An engine of the previous release: RPC API 1.2."""

    target = messaging.Target(version="1.2")

    def __init__(self):
        """Record the nudges received."""
        self.nudges = []
        self.lock = threading.Lock()

    def ping(self, ctx):
        """1.0."""
        del ctx
        return "old-engine"

    def nudge(self, ctx, workflow_uuid):
        """1.1's nudge: no hints."""
        del ctx
        with self.lock:
            self.nudges.append(workflow_uuid)


@pytest.fixture
def bus():
    """A bus of its own (exchange), so no other engine answers."""
    conf = make_bus_conf(f"mogan-caps-{uuid.uuid4().hex[:8]}")
    conf.set_override("host", "old-engine-host")
    return conf


@pytest.fixture
def old_engine(bus):
    """The older engine serving on the bus."""
    endpoint = OldEngine()
    server = rpc.server(bus, rpc.ENGINE_TOPIC, [endpoint])
    server.start()
    yield endpoint
    server.stop()
    server.wait()


class TestEngineCap:
    def test_capped_nudge_reaches_an_older_engine_without_the_new_arguments(
        self, bus, old_engine
    ):
        """Capped at 1.2, the 1.3 hints are left out and the old engine is nudged."""
        bus.set_override("engine", "1.2", group="upgrade_levels")
        api = engine_rpcapi.EngineAPI(bus)
        assert api.version_cap == "1.2"
        assert not api.can_send_version("1.3")
        api.nudge(CTX, "wf-1", kind="build", server_uuid="s-1")
        wait_for(lambda: old_engine.nudges == ["wf-1"], timeout=10)
        assert api.ping(CTX) == "old-engine"

    def test_uncapped_nudge_is_refused_by_the_older_engine(self, bus, old_engine):
        """Without the cap the 1.3 nudge is not dispatched by a 1.2 engine.

        (What the cap is for.) The ping after it is answered, so the older
        engine was listening; its nudge list stays empty.
        """
        api = engine_rpcapi.EngineAPI(bus)
        api.nudge(CTX, "wf-2", kind="build", server_uuid="s-2")
        assert api.ping(CTX) == "old-engine"
        bus.set_override("engine", "1.2", group="upgrade_levels")
        engine_rpcapi.EngineAPI(bus).nudge(CTX, "wf-3")
        wait_for(lambda: "wf-3" in old_engine.nudges, timeout=10)
        assert "wf-2" not in old_engine.nudges

    def test_call_above_the_cap_raises_a_clear_error(self, bus, old_engine):
        """Capped at 1.1, a console (1.2) is refused naming the cap; nothing sent."""
        bus.set_override("engine", "1.1", group="upgrade_levels")
        api = engine_rpcapi.EngineAPI(bus)
        with pytest.raises(exception.RPCVersionCapped) as err:
            api.get_console(CTX, "s-1", "n-1", "serial", timeout=2)
        message = err.value.message
        assert "needs engine RPC API 1.2" in message
        assert "[upgrade_levels] engine caps it at 1.1" in message
        assert err.value.code == "mogan.rpc.version_capped"
        # NOTE: a nudge still goes, as 1.1.
        api.nudge(CTX, "wf-4", kind="build")
        wait_for(lambda: old_engine.nudges == ["wf-4"], timeout=10)

    def test_enrolment_needs_1_5(self, bus, old_engine):
        """Capped at 1.4, enrolling, changing and removing nodes are refused."""
        bus.set_override("engine", "1.4", group="upgrade_levels")
        api = engine_rpcapi.EngineAPI(bus)
        calls = (
            lambda: api.enroll_node(CTX, {"uuid": "n"}, {"password": "p"}, timeout=2),
            lambda: api.update_node(CTX, "n", {"uuid": "n"}, None, timeout=2),
            lambda: api.unenroll_node(CTX, "n", timeout=2),
        )
        for call in calls:
            with pytest.raises(exception.RPCVersionCapped) as err:
                call()
            assert "needs engine RPC API 1.5" in err.value.message
        assert old_engine.nudges == []

    def test_composition_services_need_1_6(self, bus, old_engine):
        """Capped at 1.5, registering, changing and removing services are refused."""
        bus.set_override("engine", "1.5", group="upgrade_levels")
        api = engine_rpcapi.EngineAPI(bus)
        calls = (
            lambda: api.create_composition_service(
                CTX, "s", "pool", {"password": "p"}, timeout=2
            ),
            lambda: api.update_composition_service(CTX, "s", "pool", None, timeout=2),
            lambda: api.delete_composition_service(CTX, "s", timeout=2),
        )
        for call in calls:
            with pytest.raises(exception.RPCVersionCapped) as err:
                call()
            assert "needs engine RPC API 1.6" in err.value.message
        assert old_engine.nudges == []

    def test_below_the_nudge_version_nothing_is_cast(self, bus, old_engine):
        """Capped at 1.0 no nudge is sent (engines poll); ping still works."""
        bus.set_override("engine", "1.0", group="upgrade_levels")
        api = engine_rpcapi.EngineAPI(bus)
        api.nudge(CTX, "wf-5")
        assert api.ping(CTX) == "old-engine"
        # NOTE: a nudge the old engine takes, to know the bus was read.
        bus.set_override("engine", "1.2", group="upgrade_levels")
        engine_rpcapi.EngineAPI(bus).nudge(CTX, "wf-7")
        wait_for(lambda: "wf-7" in old_engine.nudges, timeout=10)
        assert "wf-5" not in old_engine.nudges


class TestCurrentEngine:
    def test_current_engine_takes_the_hints(self, bus):
        """This release's engine accepts the 1.3 nudge with its hints."""
        nudged = []
        endpoint = manager.EngineManager(bus, on_nudge=nudged.append)
        server = rpc.server(bus, rpc.ENGINE_TOPIC, [endpoint])
        server.start()
        try:
            engine_rpcapi.EngineAPI(bus).nudge(
                CTX, "wf-8", kind="power", server_uuid="s-8"
            )
            wait_for(lambda: nudged == ["wf-8"], timeout=10)
        finally:
            server.stop()
            server.wait()


class TestSchedulerCap:
    def test_scheduler_capped_below_select_and_claim(self, bus):
        """Capped at 1.0 the scheduler's placement call is refused, nothing sent."""
        bus.set_override("scheduler", "1.0", group="upgrade_levels")
        api = scheduler_rpcapi.SchedulerAPI(bus)
        with pytest.raises(exception.RPCVersionCapped, match=r"scheduler RPC API 1\.1"):
            api.select_and_claim(
                CTX, select_request.SelectRequest(server_uuids=()), timeout=1
            )
        assert not exception.is_reschedulable(
            exception.RPCVersionCapped(
                what="x", service="scheduler", version="1.1", cap="1.0"
            )
        )

    def test_a_hardware_request_needs_1_2(self, bus):
        """Capped at 1.1 a request with hardware is refused rather than sent.

        A 1.1 scheduler would place it ignoring the hardware.
        """
        bus.set_override("scheduler", "1.1", group="upgrade_levels")
        api = scheduler_rpcapi.SchedulerAPI(bus)
        request = select_request.SelectRequest(
            server_uuids=("s-1",), hardware={"bios": [{"name": "A", "value": "B"}]}
        )
        with pytest.raises(
            exception.RPCVersionCapped, match=r"with hardware.*scheduler RPC API 1\.2"
        ):
            api.select_and_claim(CTX, request, timeout=1)


class TestOption:
    def test_a_cap_must_be_a_version(self, bus):
        """``[upgrade_levels] engine = latest`` is refused by the option."""
        with pytest.raises(ValueError, match="latest"):
            bus.set_override("engine", "latest", group="upgrade_levels")
        assert bus.upgrade_levels.engine is None
