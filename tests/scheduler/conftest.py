"""Fixtures: a synced fake fleet on the embedded Placement, a scheduler on the bus."""

import threading

import oslo_messaging as messaging
import pytest

from mogan import exception, rpc
from mogan.drivers import fake
from mogan.engine import node_sync
from mogan.scheduler import manager, rpcapi
from tests.placement import support


@pytest.fixture
def sched_conf(tmp_path):
    """Embedded Placement, a private bus exchange, fast retries."""
    return support.embedded_conf(str(tmp_path), claim_retries=10, candidate_limit=5)


@pytest.fixture
def placement_api(tmp_path_factory, sched_conf):
    """A client on the process's embedded Placement."""
    api = support.client(str(tmp_path_factory.getbasetemp()))
    yield api
    api.close()


@pytest.fixture
def driver(tmp_path):
    """An empty fake fleet."""
    return fake.FakeDriver(str(tmp_path))


@pytest.fixture
def node_rc() -> str:
    """A node resource class of this test's own."""
    return support.node_class()


@pytest.fixture
def sync(database, driver, placement_api):
    """Run the engine's node sync once."""
    return lambda: node_sync.sync(database, driver, placement_api, "test-host")


@pytest.fixture
def scheduler(sched_conf, database, placement_api, monkeypatch):
    """A SchedulerAPI talking to a SchedulerManager served on the fake bus."""

    def transport(conf):
        # NOTE: what mogan.rpc.transport should do (requested from the lead):
        # let mogan.exception cross the bus as itself.
        return messaging.get_rpc_transport(
            conf, allowed_remote_exmods=list(exception.MODULES)
        )

    monkeypatch.setattr(rpc, "transport", transport)
    endpoint = manager.SchedulerManager(sched_conf, database, placement_api)
    server = rpc.server(sched_conf, rpc.SCHEDULER_TOPIC, [endpoint])
    server.start()
    yield rpcapi.SchedulerAPI(sched_conf)
    server.stop()
    # NOTE: wait() idles out the fake listener's 1 s poll; nothing reaches a
    # server on this test's private exchange any more, so do not sit it out.
    threading.Thread(target=server.wait, daemon=True).start()
