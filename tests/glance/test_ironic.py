"""Mogan's Ironic driver handing Glance images to a real Ironic configured for Glance.

A real standalone Ironic (fake hardware) whose ``[glance]`` section points
at the real Glance and Keystone of this process: with ``[ironic]
image_source = glance`` (the default) Mogan sends the Glance image id and
Ironic resolves it in Glance itself at deploy time; with ``url`` Mogan
sends its temporary URL. What Ironic stored and did is read back from it.
"""

import pathlib
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator

import pytest

from mogan import context as mogan_context
from mogan import image as image_backends
from mogan.drivers import base
from mogan.drivers import ironic as ironic_module
from mogan.image import glance as glance_backend
from tests.conftest import unavailable
from tests.glance import fixtures
from tests.glance import support as glance_support
from tests.ironic import fixtures as ironic_fixtures
from tests.ironic import support as ironic_support
from tests.keystone import support as keystone_support

pytestmark = pytest.mark.services

DATA = b"an image Ironic finds in Glance\n" * 512
DONE = base.Progress.DONE
FAILED = base.Progress.FAILED


def glance_section(glance: glance_support.Glance) -> str:
    """Ironic's ``[glance]``: its service user (admin, as Ironic's is), the catalog."""
    user = glance.admin_service_user()
    options = {
        "auth_type": "password",
        "auth_url": glance.keystone.url,
        "username": user["username"],
        "password": user["password"],
        "project_name": user["project_name"],
        "user_domain_id": "default",
        "project_domain_id": "default",
        "region_name": keystone_support.REGION,
        "valid_interfaces": "public",
        "num_retries": "0",
    }
    return "\n[glance]\n" + "\n".join(f"{k} = {v}" for k, v in options.items()) + "\n"


@pytest.fixture(scope="module")
def ironic(glance) -> Iterator[ironic_support.Ironic]:
    """An Ironic of its own, configured with this process's Glance."""
    state = pathlib.Path(tempfile.mkdtemp(prefix="mogan-ironic-glance-"))
    try:
        server = ironic_support.Ironic(state, extra_conf=glance_section(glance))
        server.start()
    except ironic_support.IronicUnavailable as err:
        shutil.rmtree(state, ignore_errors=True)
        unavailable("Ironic", err)
        raise
    yield server
    server.stop()
    shutil.rmtree(state, ignore_errors=True)


def driver_for(ironic, tmp_path, **options) -> ironic_module.IronicDriver:
    """Mogan's Ironic driver on ``ironic`` (auth none), with these options."""
    conf = ironic_fixtures.make_conf(
        tmp_path,
        auth_type="none",
        endpoint_override=ironic.url,
        api_retry_interval=0.05,
        api_max_retries=5,
        **options,
    )
    return ironic_module.IronicDriver(conf)


def deploy_request(glance_conf, image_id: str) -> base.DeployRequest:
    """The request the engine builds for a server of ``image_id`` (as the engine)."""
    backend = image_backends.get_backend(glance_conf)
    assert isinstance(backend, glance_backend.GlanceImageBackend)
    engine = mogan_context.RequestContext(user_id="mogan-engine", roles=["admin"])
    info = backend.get(engine, image_id)
    return base.DeployRequest(
        server_uuid=str(uuid.uuid4()),
        image_url=info.url,
        glance_image_id=info.glance_id,
        image_checksum=info.checksum,
        disk_format=info.disk_format,
    )


def settle(driver, node_uuid: str, timeout: float = 60.0) -> base.Status:
    """Poll the deploy until it is done or failed."""
    deadline = time.monotonic() + timeout
    while True:
        status = driver.poll_deploy(node_uuid)
        if status.progress in {DONE, FAILED}:
            return status
        if time.monotonic() > deadline:
            pytest.fail(f"deploy of {node_uuid} did not settle: {status}")
        time.sleep(0.2)


class TestGlanceImageId:
    def test_ironic_reads_the_image_it_is_given_in_glance(
        self, glance, ironic, glance_conf, tmp_path
    ):
        """image_source is the Glance id; Ironic finds the image's type in Glance.

        Mogan sends no ``image_type``, kernel or ramdisk for a Glance image:
        Ironic records ``partition`` from the image's ``kernel_id`` and
        ``ramdisk_id`` properties, ``whole-disk`` without them, which it
        can only know by reading the image in Glance.
        """
        admin = glance.keystone.project_persona("admin")
        kernel = glance.create_image(admin.token, b"k", disk_format="aki")
        ramdisk = glance.create_image(admin.token, b"r", disk_format="ari")
        partition = glance.create_image(
            admin.token,
            DATA,
            visibility="public",
            kernel_id=kernel["id"],
            ramdisk_id=ramdisk["id"],
        )
        whole = glance.create_image(admin.token, DATA, visibility="public")
        driver = driver_for(ironic, tmp_path)
        for image, image_type in ((partition, "partition"), (whole, "whole-disk")):
            request = deploy_request(glance_conf, image["id"])
            node_uuid = ironic.enroll()
            driver.start_deploy(node_uuid, request)
            assert settle(driver, node_uuid).progress == DONE
            info = ironic.stored_instance_info(node_uuid)
            assert info["image_source"] == image["id"]
            assert info["image_type"] == image_type
            assert "kernel" not in info
            assert info["image_os_hash_algo"] == "sha512"
            assert info["image_os_hash_value"] == image["os_hash_value"]
            internal = ironic.node(node_uuid)["driver_internal_info"]
            assert internal["is_whole_disk_image"] is (image is whole)

    def test_an_image_ironic_cannot_find_in_glance_gets_no_type(
        self, glance, ironic, glance_conf, tmp_path
    ):
        """Deleted from Glance after Mogan read it: Ironic records no type."""
        admin = glance.keystone.project_persona("admin")
        image = glance.create_image(admin.token, DATA, visibility="public")
        driver = driver_for(ironic, tmp_path)
        request = deploy_request(glance_conf, image["id"])
        glance.delete(admin.token, image["id"])
        node_uuid = ironic.enroll()
        driver.start_deploy(node_uuid, request)
        settle(driver, node_uuid)
        info = ironic.stored_instance_info(node_uuid)
        assert info["image_source"] == image["id"]
        assert "image_type" not in info

    def test_url_mode_sends_the_temporary_url(
        self, glance, ironic, glance_conf, tmp_path
    ):
        """``[ironic] image_source = url``: Mogan's temporary URL and the type."""
        member = glance.keystone.project_persona("member")
        image = glance.create_image(member.token, DATA)
        driver = driver_for(ironic, tmp_path, image_source="url")
        request = deploy_request(glance_conf, image["id"])
        node_uuid = ironic.enroll()
        driver.start_deploy(node_uuid, request)
        assert settle(driver, node_uuid).progress == DONE
        info = ironic.stored_instance_info(node_uuid)
        assert info["image_source"] == request.image_url
        assert info["image_source"].startswith(fixtures.BASE_URL + "/v1/deploy_images/")
        assert info["image_type"] == "whole-disk"
