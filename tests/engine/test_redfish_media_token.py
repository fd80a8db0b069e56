"""A deploy-media token never rests in the Redfish driver's node state.

The redfish driver on the engine's own stores (``DbNodeStore`` over
``driver_nodes``, ``DbMediaStore`` over ``deploy_media``) deploys a
system of the team's sushy-tools emulator with a config drive; the API,
served on a loopback port, hands the config drive to the emulator, which
really downloads it. The node's stored state names the medium, never its
URL: the token in the URL is the only authority to fetch it.
"""

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa

from mogan import crypto
from mogan.api import app as api_app
from mogan.cmd import wsgi_server
from mogan.db import models
from mogan.drivers import base, configdrive_iso
from mogan.drivers import redfish as redfish_driver
from mogan.engine import deploy_media, node_store
from mogan.services import deploy_media as media_svc
from tests.drivers.test_redfish import bmc_of, make_conf
from tests.redfish import specs
from tests.redfish.fixtures import (  # noqa: F401 - fixtures
    file_server_fixture,
    redfish_fixture,
)

pytestmark = pytest.mark.services

DRIVE = {"openstack/latest/meta_data.json": '{"uuid": "s", "hostname": "tok-1"}'}
MEDIA_PATH = "/v1/deploy_media/"


@pytest.fixture
def api_url(conf, database) -> Iterator[str]:
    """The API (which serves deploy media) on a loopback port; its URL."""
    app = api_app.create_app(conf, database)
    server = wsgi_server.Server(
        app, wsgi_server.bind("127.0.0.1", 0), wsgi_server.Limits(threads=2)
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"handle_signals": False}, daemon=True
    )
    thread.start()
    host, port = server.address
    yield f"http://{host}:{port}"
    server.stop()
    thread.join(timeout=30)


@pytest.fixture
def driver(database, api_url) -> Iterator[redfish_driver.RedfishDriver]:
    """The redfish driver on Mogan's node and media stores."""
    made = redfish_driver.RedfishDriver(make_conf())
    sealer = crypto.Sealer([crypto.generate_key().encode()])
    made.use_store(
        node_store.DbNodeStore(database, "redfish", sealer),
        deploy_media.DbMediaStore(
            database, api_url, max_bytes=1 << 24, default_ttl=600
        ),
    )
    yield made
    made.close()


def _driver_node_texts(database) -> list[str]:
    """Every column of every ``driver_nodes`` row, as text."""
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(models.DriverNode.__table__)).mappings()
        return [str(value) for row in rows for value in row.values()]


def _media_names(database) -> list[str]:
    with database.transaction(readonly=True) as session:
        return list(session.scalars(sa.select(models.DeployMedium.name)))


def test_the_config_drive_url_is_not_stored(redfish, file_server, database, driver):
    """No poll leaves a media URL in driver_nodes; the BMC's URL still serves."""
    system = redfish.add_system(specs.system(f"tok-{uuid.uuid4().hex[:6]}"))
    node = str(uuid.uuid4())
    driver.enroll(
        base.NodeSpec(uuid=node, name=system.name, resource_class="gold"),
        bmc_of(redfish, system),
    )
    request = base.DeployRequest(
        server_uuid="s-1",
        image_url=file_server.add_iso("images/tok.iso"),
        disk_format="iso",
        config_drive=DRIVE,
    )

    driver.start_deploy(node, request)
    deadline = time.monotonic() + 15
    while True:
        texts = _driver_node_texts(database)
        assert not [t for t in texts if MEDIA_PATH in t]
        if driver.poll_deploy(node).progress is not base.Progress.IN_PROGRESS:
            break
        assert time.monotonic() < deadline, "the deploy never finished"
        time.sleep(0.02)
    assert driver.poll_deploy(node) == base.Status(base.Progress.DONE)

    floppy = redfish.system(system.uuid)["media"]["Floppy"]
    assert floppy["inserted"]
    token = floppy["image"].rsplit("/", 1)[1]
    assert media_svc.is_token(token)
    assert not [t for t in _driver_node_texts(database) if token in t]
    # NOTE: the state keeps what identifies the medium: its name.
    [name] = _media_names(database)
    assert driver.node_store.get(node).state["op"]["media"] == name
    served = httpx.get(floppy["image"], timeout=10).content
    assert configdrive_iso.read(served) == DRIVE

    driver.start_teardown(node)
    deadline = time.monotonic() + 15
    while driver.poll_teardown(node).progress is base.Progress.IN_PROGRESS:
        assert time.monotonic() < deadline, "the teardown never finished"
        time.sleep(0.02)
    assert _media_names(database) == []
