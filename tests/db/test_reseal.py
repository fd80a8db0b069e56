"""``mogan-dbsync reseal``: rotating ``[DEFAULT] secret_key`` end to end.

A driver node's BMC password, a composition service's password and a
workflow's sealed admin password and config drive are sealed under an
old key; the key is rotated (the old one in ``previous_secret_keys``),
``mogan-dbsync reseal`` runs, and then the old key is dropped from the
configuration: everything still opens. Runs on SQLite, PostgreSQL and
MariaDB.
"""

import pathlib
import uuid

import pytest
import sqlalchemy as sa

from mogan import crypto
from mogan.cmd import dbsync
from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.drivers import base as driver_base
from mogan.drivers import errors as driver_errors
from mogan.engine import node_store

PASSWORD = "bmc-pass-rotate"
SERVICE_PASS = "composition-pass-rotate"
ADMIN_PASS = "admin-pass-rotate"


def _config(path: pathlib.Path, url: str, key: str, previous: str = "") -> list[str]:
    path.write_text(
        f"[DEFAULT]\nsecret_key = {key}\nprevious_secret_keys = {previous}\n"
        f"[database]\nconnection = {url}\n"
    )
    return ["--config-file", str(path)]


@pytest.fixture
def url(any_db_url) -> str:
    """A fresh migrated database, each backend in turn."""
    url = any_db_url
    engine = db_session.make_engine(url)
    migration.upgrade(engine)
    engine.dispose()
    return url


def _seed(database: db_session.Database, old: crypto.Sealer) -> tuple[str, str]:
    spec = driver_base.NodeSpec(
        uuid=str(uuid.uuid4()), name="rotated", resource_class="gold"
    )
    bmc = driver_base.BmcAccess("https://bmc", "root", PASSWORD)
    node_store.DbNodeStore(database, "redfish", old).add(spec, bmc, {})
    wf_uuid = str(uuid.uuid4())
    with database.transaction() as session:
        session.add(
            models.Workflow(
                uuid=wf_uuid,
                kind="create",
                status="running",
                args={"admin_pass": old.seal(ADMIN_PASS), "image": "x"},
                state={"config_drive": old.seal_json({"files": [ADMIN_PASS]})},
            )
        )
        session.add(
            models.CompositionService(
                uuid=str(uuid.uuid4()),
                name="pool",
                address="https://composer",
                username="root",
                password=old.seal(SERVICE_PASS),
                verify_tls=True,
            )
        )
    return spec.uuid, wf_uuid


def _service_password(database: db_session.Database) -> str | None:
    with database.transaction(readonly=True) as session:
        return session.scalars(sa.select(models.CompositionService.password)).one()


def _workflow(database: db_session.Database, wf_uuid: str) -> models.Workflow:
    with database.transaction(readonly=True) as session:
        return session.scalars(
            sa.select(models.Workflow).where(models.Workflow.uuid == wf_uuid)
        ).one()


class TestReseal:
    def test_after_reseal_the_old_key_can_be_dropped(self, url, tmp_path, capsys):
        """Rotate, reseal, drop the old key: node and workflow secrets still open."""
        old_key, new_key = crypto.generate_key(), crypto.generate_key()
        database = db_session.Database.from_url(url)
        node_uuid, wf_uuid = _seed(database, crypto.Sealer([old_key.encode()]))
        new_only = crypto.Sealer([new_key.encode()])
        with pytest.raises(driver_errors.DriverError):
            node_store.DbNodeStore(database, "redfish", new_only).get(node_uuid)

        conf = tmp_path / "mogan.conf"
        assert dbsync.main([*_config(conf, url, new_key, old_key), "reseal"]) == 0
        assert "Resealed 4 values" in capsys.readouterr().out

        # NOTE: the old key is gone from the configuration now.
        got = node_store.DbNodeStore(database, "redfish", new_only).get(node_uuid)
        assert got.bmc.password == PASSWORD
        wf = _workflow(database, wf_uuid)
        assert new_only.open(wf.args["admin_pass"]) == ADMIN_PASS
        assert new_only.open_json(wf.state["config_drive"]) == {"files": [ADMIN_PASS]}
        assert wf.args["image"] == "x"
        assert new_only.open(_service_password(database)) == SERVICE_PASS

        assert dbsync.main([*_config(conf, url, new_key), "reseal"]) == 0
        assert "Resealed 0 values; 4 were already" in capsys.readouterr().out
        database.dispose()

    def test_a_value_no_key_opens_fails_clearly(self, url, tmp_path, capsys):
        """Resealing without the old key is an error naming the keys, exit 1."""
        database = db_session.Database.from_url(url)
        _seed(database, crypto.Sealer([crypto.generate_key().encode()]))
        database.dispose()
        argv = _config(tmp_path / "mogan.conf", url, crypto.generate_key())
        assert dbsync.main([*argv, "reseal"]) == 1
        assert "previous_secret_keys" in capsys.readouterr().err
