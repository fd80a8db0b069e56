"""The Glance image backend against a real Glance 33 and Keystone 30.

Images are made in Glance with real project tokens; Mogan's backend reads
them with the caller's token (Glance's rules), or as its ``[glance]``
service user for the engine. What the backend answers is checked against
what Glance itself holds (checksums recomputed from the bytes uploaded).
"""

import dataclasses
import hashlib
import uuid

import httpx
import pytest

from mogan import context as mogan_context
from mogan import exception
from mogan import image as image_backends
from mogan.api import app as api_app
from mogan.drivers import configdrive_iso
from mogan.image import glance as glance_backend
from tests.conftest import mark_nodes_loaded
from tests.glance import fixtures, support
from tests.keystone import support as keystone_support

pytestmark = pytest.mark.services

DATA = b"mogan-glance-test-image\n" * 4096


@dataclasses.dataclass
class Tenants:
    """Three projects' members and a cloud admin, with their tokens."""

    owner: keystone_support.Token
    other: keystone_support.Token
    third: keystone_support.Token
    admin: keystone_support.Token


@pytest.fixture(scope="module")
def tenants(glance: support.Glance) -> Tenants:
    """Members of three new projects, and an admin (who may publish images)."""
    keystone = glance.keystone
    return Tenants(
        owner=keystone.project_persona("member"),
        other=keystone.project_persona("member"),
        third=keystone.project_persona("member"),
        admin=keystone.project_persona("admin"),
    )


@pytest.fixture
def backend(glance_conf) -> glance_backend.GlanceImageBackend:
    """Mogan's Glance backend as ``[image] backend = glance`` builds it."""
    built = image_backends.get_backend(glance_conf)
    assert isinstance(built, glance_backend.GlanceImageBackend)
    return built


def ctx_of(token: keystone_support.Token, with_token: bool = True):
    """The request context the API builds for ``token``'s caller."""
    return mogan_context.RequestContext(
        user_id=token.user_id,
        project_id=token.project_id,
        roles=list(token.roles),
        auth_token=token.token if with_token else None,
        admin=False,
    )


def engine_ctx():
    """The engine's own context: admin, no user token."""
    return mogan_context.RequestContext(user_id="mogan-engine", roles=["admin"])


def visible(backend, token, image_id: str, with_token: bool = True) -> bool:
    """Whether the backend gives ``token``'s caller the image."""
    try:
        backend.get(ctx_of(token, with_token), image_id)
    except exception.ImageNotFound:
        return False
    return True


class TestVisibility:
    @pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
    def test_private_image_is_its_owners_only(
        self, glance, tenants, backend, with_token
    ):
        """The owner's project sees a private image; another project gets 404."""
        image = glance.create_image(tenants.owner.token, DATA)
        assert visible(backend, tenants.owner, image["id"], with_token)
        assert not visible(backend, tenants.other, image["id"], with_token)
        # NOTE: the engine reads it as the service user, whoever owns it.
        assert backend.get(engine_ctx(), image["id"]).owner == tenants.owner.project_id

    @pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
    def test_shared_image_is_visible_once_the_member_accepts(
        self, glance, tenants, backend, with_token
    ):
        """Pending and rejected shares hide the image; accepting shows it."""
        image = glance.create_image(tenants.owner.token, DATA, visibility="shared")
        image_id, member = image["id"], tenants.other.project_id
        assert not visible(backend, tenants.other, image_id, with_token)
        glance.share(tenants.owner.token, image_id, member)
        # NOTE: Glance itself returns a pending share's image by id.
        assert glance.show(tenants.other.token, image_id)["id"] == image_id
        assert not visible(backend, tenants.other, image_id, with_token)
        glance.set_member_status(tenants.other.token, image_id, member, "accepted")
        assert visible(backend, tenants.other, image_id, with_token)
        assert not visible(backend, tenants.third, image_id, with_token)
        glance.set_member_status(tenants.other.token, image_id, member, "rejected")
        assert not visible(backend, tenants.other, image_id, with_token)
        assert visible(backend, tenants.owner, image_id, with_token)

    @pytest.mark.parametrize("visibility", ["public", "community"])
    @pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
    def test_public_and_community_images_are_everyones(
        self, glance, tenants, backend, visibility, with_token
    ):
        """Every project sees them (only an admin may publish in Glance)."""
        maker = tenants.admin if visibility == "public" else tenants.owner
        image = glance.create_image(maker.token, DATA, visibility=visibility)
        for caller in (tenants.owner, tenants.other, tenants.third):
            assert visible(backend, caller, image["id"], with_token)

    def test_without_keystone_auth_a_token_sent_along_is_ignored(
        self, glance, tenants, tmp_path
    ):
        """Under noauth nobody validated X-Auth-Token: it lends no visibility."""
        conf = fixtures.make_conf(tmp_path, glance, auth_strategy="noauth")
        noauth = image_backends.get_backend(conf)
        image = glance.create_image(tenants.owner.token, DATA)
        # NOTE: the other project's identity, the owner's token.
        ctx = dataclasses.replace(ctx_of(tenants.other), auth_token=tenants.owner.token)
        with pytest.raises(exception.ImageNotFound):
            noauth.get(ctx, image["id"])
        assert noauth.get(ctx_of(tenants.owner), image["id"]).uuid == image["id"]

    def test_unknown_and_malformed_ids_are_not_found(self, tenants, backend):
        """Glance's 404 is Mogan's ImageNotFound, naming the id."""
        for image_id in (str(uuid.uuid4()), "not-a-uuid"):
            with pytest.raises(exception.ImageNotFound, match=image_id):
                backend.get(ctx_of(tenants.owner), image_id)


class TestImageInfo:
    def test_what_the_driver_gets_comes_from_glance(self, glance, tenants, backend):
        """Checksum, format, size, status and owner are Glance's."""
        # NOTE: Glance 33 inspects what is uploaded: an ISO must be one.
        iso = configdrive_iso.build({"openstack/latest/meta_data.json": "{}"})
        image = glance.create_image(
            tenants.owner.token, iso, disk_format="iso", min_disk=3
        )
        info = backend.get(ctx_of(tenants.owner), image["id"])
        assert info.checksum == "sha512:" + hashlib.sha512(iso).hexdigest()
        assert info.disk_format == "iso"
        assert info.size == len(iso)
        assert info.min_disk == 3
        assert info.status == "active"
        assert info.visibility == "private"
        assert info.owner == tenants.owner.project_id
        assert info.glance_id == image["id"]
        assert not info.is_partition_image
        assert info.url.startswith(fixtures.BASE_URL + "/v1/deploy_images/")

    def test_a_partition_image_gets_its_kernel_and_ramdisk(
        self, glance, tenants, backend
    ):
        """``kernel_id`` and ``ramdisk_id`` become temporary URLs of those images."""
        kernel = glance.create_image(tenants.owner.token, b"k", disk_format="aki")
        ramdisk = glance.create_image(tenants.owner.token, b"r", disk_format="ari")
        image = glance.create_image(
            tenants.owner.token,
            DATA,
            kernel_id=kernel["id"],
            ramdisk_id=ramdisk["id"],
        )
        info = backend.get(ctx_of(tenants.owner), image["id"])
        assert info.is_partition_image
        sealer = backend.sealer
        assert [
            glance_backend.temp_url.open_token(sealer, url.rsplit("/", 1)[1])
            for url in (info.url, info.kernel_url, info.ramdisk_url)
        ] == [image["id"], kernel["id"], ramdisk["id"]]

    def test_a_queued_image_is_not_active(self, glance, tenants, backend):
        """An image without data is Glance's ``queued``: no checksum yet."""
        image = glance.create_image(tenants.owner.token)
        info = backend.get(ctx_of(tenants.owner), image["id"])
        assert info.status == "queued"
        assert info.checksum is None

    def test_md5_checksum_when_glance_has_no_os_hash(self):
        """Images hashed before ``os_hash`` give their md5 ``checksum``."""
        assert glance_backend.checksum({"checksum": "ab" * 16}) == "md5:" + "ab" * 16
        assert (
            glance_backend.checksum(
                {"checksum": "ab" * 16, "os_hash_algo": "SHA256", "os_hash_value": "f0"}
            )
            == "sha256:f0"
        )
        assert glance_backend.checksum({}) is None


class TestCatalog:
    def test_the_endpoint_comes_from_the_catalog_by_service_type(self, glance, backend):
        """No endpoint configured: the catalog's ``image`` service is used."""
        assert backend.client.endpoint() == glance.url

    def test_endpoint_override_wins(self, glance, tmp_path):
        """``[glance] endpoint_override`` is used as it is."""
        section = {**fixtures.glance_options(glance), "endpoint_override": glance.url}
        conf = fixtures.make_conf(tmp_path, glance, glance_section=section)
        built = image_backends.get_backend(conf)
        assert isinstance(built, glance_backend.GlanceImageBackend)
        assert built.client.download_url("x") == f"{glance.url}/v2/images/x/file"

    def test_the_api_answers_503_when_glance_is_unreachable(
        self, glance, tenants, tmp_path, database
    ):
        """POST /v1/servers with Glance down: 503 with Retry-After, not a 500."""
        dead = f"http://127.0.0.1:{keystone_support.free_port()}"
        section = {**fixtures.glance_options(glance), "endpoint_override": dead}
        conf = fixtures.make_conf(tmp_path, glance, glance_section=section)
        mark_nodes_loaded(database)
        app = api_app.create_app(conf, database)
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url=fixtures.BASE_URL
        ) as client:
            resp = client.post(
                "/v1/servers",
                json={
                    "server": {
                        "name": "s",
                        "flavor_uuid": str(uuid.uuid4()),
                        "image_uuid": str(uuid.uuid4()),
                        "networks": [{"net_id": str(uuid.uuid4())}],
                    }
                },
                headers=tenants.owner.headers,
            )
        assert resp.status_code == 503, resp.text
        assert resp.json()["code"] == "mogan.image.service_unavailable"
        assert resp.headers["Retry-After"]

    def test_an_unreachable_glance_is_service_unavailable(
        self, glance, tenants, tmp_path
    ):
        """A dead endpoint is ImageServiceUnavailable (503), not a crash."""
        dead = f"http://127.0.0.1:{keystone_support.free_port()}"
        section = {**fixtures.glance_options(glance), "endpoint_override": dead}
        conf = fixtures.make_conf(tmp_path, glance, glance_section=section)
        built = image_backends.get_backend(conf)
        with pytest.raises(exception.ImageServiceUnavailable):
            built.get(ctx_of(tenants.owner), str(uuid.uuid4()))
