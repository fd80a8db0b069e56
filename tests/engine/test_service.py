"""The engine service's threads: the heartbeat is never held up by a long sync."""

import threading
import time

import sqlalchemy as sa

from mogan.db import models
from tests.engine.conftest import wait_for


def _last_seen(database, host):
    with database.transaction(readonly=True) as session:
        return session.scalars(
            sa.select(models.Engine.last_seen_at).where(models.Engine.host == host)
        ).one()


def test_a_long_sync_does_not_stop_the_heartbeat(econf, database, engine_factory):
    """While a periodic sync runs for seconds, the engine still heart-beats.

    A sync of a large fleet or a slow BMC can take longer than three
    heartbeats; sharing a thread, the engine would look dead to the API
    (``EngineUnavailable``) and to the other engines.
    """
    econf.set_override("heartbeat_interval", 1, "engine")
    engine = engine_factory()
    release = threading.Event()
    busy = threading.Event()

    def slow_sync():
        busy.set()
        release.wait(5)

    sync = next(t for t in engine.periodic if t.name == "sync_nodes")
    sync.func, sync.due = slow_sync, 0.0
    try:
        wait_for(busy.is_set, timeout=5)
        before = _last_seen(database, engine.host)
        time.sleep(2.5)
        assert _last_seen(database, engine.host) > before
    finally:
        release.set()
