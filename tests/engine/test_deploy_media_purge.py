"""The engine's periodic purge of expired deploy media, in a running engine."""

import sqlalchemy as sa

from mogan.db import models
from mogan.engine import deploy_media
from tests.engine.conftest import wait_for


def _names(database) -> list[str]:
    with database.transaction(readonly=True) as session:
        return sorted(session.scalars(sa.select(models.DeployMedium.name)))


class TestPurgeDeployMedia:
    def test_a_running_engine_deletes_expired_media_only(
        self, econf, database, engine_factory
    ):
        """Within ``purge_interval`` an engine deletes what expired, keeps the rest."""
        econf.set_override("purge_interval", 1.0, "deploy_media")
        store = deploy_media.DbMediaStore(database, "http://mogan.test", 4096, 60)
        store.publish("expiring", b"x" * 100, 0.5)
        store.publish("live", b"y" * 100, 600)
        engine = engine_factory(serve_rpc=False)
        assert "purge_deploy_media" in [task.name for task in engine.periodic]
        wait_for(lambda: _names(database) == ["live"], timeout=10)
