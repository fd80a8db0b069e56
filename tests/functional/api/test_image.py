"""Images of the embedded catalogue through the real app: CRUD, visibility, input."""

import json
import uuid

import pytest

from mogan import context as mogan_context
from mogan import exception
from mogan import image as mogan_image
from tests.conftest import ADMIN, MEMBER, OTHER, READER

URL = "http://images.test/centos.qcow2"


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def make_image(client, **overrides) -> dict:
    """Register an image as admin and return its body."""
    body = {"name": "centos", "url": URL, "disk_format": "qcow2", **overrides}
    resp = client.post("/v1/images", json=body, headers=ADMIN.headers)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


def names(resp) -> list[str]:
    """Image names of a list response."""
    assert resp.status_code == 200, resp.text
    return [i["name"] for i in resp.json()["images"]]


class TestCreate:
    def test_create_returns_201_location_and_every_field(self, client):
        """Registering an image answers 201 with Location and the full admin view."""
        resp = client.post(
            "/v1/images",
            json={
                "name": "centos",
                "url": URL,
                "checksum": "md5:abc",
                "disk_format": "qcow2",
                "size": 1024,
                "min_disk": 2,
            },
            headers=ADMIN.headers,
        )
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert resp.headers["Location"] == f"http://mogan.test/v1/images/{body['uuid']}"
        assert {
            "name": "centos",
            "url": URL,
            "checksum": "md5:abc",
            "disk_format": "qcow2",
            "kernel_id": None,
            "ramdisk_id": None,
            "size": 1024,
            "min_disk": 2,
            "visibility": "public",
            "owner": None,
            "status": "active",
        }.items() <= body.items()

    def test_partition_image_names_existing_kernel_and_ramdisk(self, client):
        """A partition image refers to kernel and ramdisk images by id."""
        kernel = make_image(client, name="vmlinuz", disk_format="aki")
        ramdisk = make_image(client, name="initrd", disk_format="ari")
        image = make_image(client, kernel_id=kernel["uuid"], ramdisk_id=ramdisk["uuid"])
        assert (image["kernel_id"], image["ramdisk_id"]) == (
            kernel["uuid"],
            ramdisk["uuid"],
        )

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"name": "x" * 256}, "name"),
            ({"name": ""}, "name"),
            ({"disk_format": "floppy"}, "disk_format"),
            ({"url": "not a url"}, "url"),
            ({"size": -1}, "size"),
            ({"min_disk": -1}, "min_disk"),
            ({"visibility": "shared"}, "visibility"),
            ({"visibility": "private"}, "owner"),
            ({"kernel_id": "nope"}, "kernel_id"),
            ({"kernel_id": str(uuid.uuid4())}, "kernel_id"),
            ({"ramdisk_id": str(uuid.uuid4())}, "ramdisk_id"),
            ({"bogus": 1}, "bogus"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, client, overrides, field):
        """Invalid bodies are refused with 400 and the offending field named."""
        body = {"name": "centos", "url": URL, "disk_format": "raw", **overrides}
        resp = client.post("/v1/images", json=body, headers=ADMIN.headers)
        assert resp.status_code == 400, resp.text
        assert f"'{field}'" in fault(resp)

    def test_members_cannot_register_images(self, client):
        """Only admins register images."""
        body = {"name": "mine", "url": URL, "disk_format": "raw"}
        resp = client.post("/v1/images", json=body, headers=MEMBER.headers)
        assert resp.status_code == 403
        assert names(client.get("/v1/images", headers=ADMIN.headers)) == []


@pytest.fixture
def catalogue(client) -> dict[str, dict]:
    """A public image and private images of project-a and project-b."""
    return {
        "public": make_image(client, name="public"),
        "mine": make_image(
            client, name="mine", visibility="private", owner=MEMBER.project_id
        ),
        "theirs": make_image(
            client, name="theirs", visibility="private", owner=OTHER.project_id
        ),
    }


@pytest.mark.usefixtures("catalogue")
class TestVisibility:
    def test_admin_sees_every_image(self, client):
        """Admins list every image, private ones included."""
        assert names(client.get("/v1/images", headers=ADMIN.headers)) == [
            "mine",
            "public",
            "theirs",
        ]

    @pytest.mark.parametrize("persona", [MEMBER, READER])
    def test_project_sees_public_and_its_own(self, client, persona):
        """Members and readers see public images and their project's private ones."""
        resp = client.get("/v1/images", headers=persona.headers)
        assert names(resp) == ["mine", "public"]
        assert all("url" not in image for image in resp.json()["images"])

    def test_other_projects_private_image_is_404(self, client, catalogue):
        """Another project's private image does not exist for the caller."""
        theirs = catalogue["theirs"]["uuid"]
        resp = client.get(f"/v1/images/{theirs}", headers=MEMBER.headers)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.image.not_found"
        own = client.get(f"/v1/images/{theirs}", headers=OTHER.headers)
        assert own.status_code == 200

    def test_list_pages_with_limit_and_marker(self, client):
        """The limit and marker parameters walk the list one page at a time."""
        first = client.get("/v1/images?limit=2", headers=ADMIN.headers)
        assert names(first) == ["mine", "public"]
        marker = first.json()["images"][-1]["uuid"]
        rest = client.get(f"/v1/images?marker={marker}", headers=ADMIN.headers)
        assert names(rest) == ["theirs"]


class TestDelete:
    def test_admin_deletes_image(self, client):
        """Deleting an image answers 204 and it is gone."""
        image = make_image(client)
        resp = client.delete(f"/v1/images/{image['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 204
        gone = client.get(f"/v1/images/{image['uuid']}", headers=ADMIN.headers)
        assert gone.status_code == 404

    def test_kernel_in_use_is_409(self, client):
        """A kernel another image boots with cannot be deleted."""
        kernel = make_image(client, name="vmlinuz", disk_format="aki")
        image = make_image(client, kernel_id=kernel["uuid"])
        resp = client.delete(f"/v1/images/{kernel['uuid']}", headers=ADMIN.headers)
        assert resp.status_code == 409
        assert image["uuid"] in fault(resp)

    def test_unknown_image_is_404(self, client):
        """Deleting an image that does not exist answers 404."""
        resp = client.delete(f"/v1/images/{uuid.uuid4()}", headers=ADMIN.headers)
        assert resp.status_code == 404


class TestBackend:
    def context(self, database, persona) -> mogan_context.RequestContext:
        """A request context acting as ``persona`` on ``database``."""
        return mogan_context.RequestContext(
            user_id=persona.user_id,
            project_id=persona.project_id,
            roles=persona.headers["X-Roles"].split(","),
            db=database,
        )

    def test_get_resolves_kernel_and_ramdisk_urls(self, conf, client, database):
        """ImageInfo carries the kernel and ramdisk URLs of a partition image."""
        kernel = make_image(
            client,
            name="k",
            url="http://i/k",
            disk_format="aki",
            visibility="private",
            owner="admin-project",
        )
        ramdisk = make_image(client, name="r", url="http://i/r", disk_format="ari")
        image = make_image(
            client, kernel_id=kernel["uuid"], ramdisk_id=ramdisk["uuid"], min_disk=3
        )
        backend = mogan_image.get_backend(conf)
        info = backend.get(self.context(database, MEMBER), image["uuid"])
        assert (info.url, info.kernel_url, info.ramdisk_url) == (
            URL,
            "http://i/k",
            "http://i/r",
        )
        assert info.is_partition_image
        assert info.min_disk == 3

    def test_whole_disk_image_is_not_a_partition_image(self, conf, client, database):
        """An image without kernel and ramdisk is a whole-disk image."""
        image = make_image(client)
        info = mogan_image.get_backend(conf).get(
            self.context(database, READER), image["uuid"]
        )
        assert (info.kernel_url, info.ramdisk_url) == (None, None)
        assert not info.is_partition_image

    def test_hidden_image_raises_not_found(self, conf, client, database):
        """Another project's private image is ImageNotFound to the backend too."""
        image = make_image(client, visibility="private", owner=OTHER.project_id)
        backend = mogan_image.get_backend(conf)
        with pytest.raises(exception.ImageNotFound):
            backend.get(self.context(database, MEMBER), image["uuid"])
        assert backend.get(self.context(database, ADMIN), image["uuid"]).owner == (
            OTHER.project_id
        )
