"""Temporary image URLs: Mogan's API streaming Glance images to token-less callers.

A driver that fetches its image by URL gets ``/v1/deploy_images/<token>``
(the file store has no temporary URLs of its own). These tests fetch such
URLs from Mogan's real app, with no credentials, while the image lives in
a real Glance, and compare with the bytes uploaded.
"""

import hashlib
import logging
from collections.abc import Iterator

import httpx
import pytest

from mogan import crypto
from mogan import image as image_backends
from mogan.api import app as api_app
from mogan.image import glance as glance_backend
from mogan.image import temp_url
from tests.glance import fixtures

pytestmark = pytest.mark.services

DATA = bytes(range(256)) * 1024
UNAUTHORIZED = 401


@pytest.fixture(scope="module")
def owner(glance):
    """A project member who owns the images."""
    return glance.keystone.project_persona("member")


@pytest.fixture
def api(glance_conf, database) -> Iterator[httpx.Client]:
    """Mogan's real app (Keystone auth, Glance images), in process."""
    app = api_app.create_app(glance_conf, database)
    with httpx.Client(
        transport=httpx.WSGITransport(app=app), base_url=fixtures.BASE_URL
    ) as client:
        yield client


@pytest.fixture
def backend(glance_conf) -> glance_backend.GlanceImageBackend:
    """The backend the app and the engine build from the same configuration."""
    built = image_backends.get_backend(glance_conf)
    assert isinstance(built, glance_backend.GlanceImageBackend)
    return built


def url_of(backend, image_id: str) -> str:
    """The path of a fresh temporary URL of ``image_id``."""
    url = backend.url(image_id)
    assert url.startswith(fixtures.BASE_URL + temp_url.PATH)
    return url[len(fixtures.BASE_URL) :]


class TestServing:
    def test_the_image_is_served_without_credentials(self, glance, owner, api, backend):
        """The whole image, as uploaded to Glance; never cached."""
        image = glance.create_image(owner.token, DATA)
        resp = api.get(url_of(backend, image["id"]))
        assert resp.status_code == 200, resp.text
        assert hashlib.sha512(resp.content).hexdigest() == image["os_hash_value"]
        assert resp.headers["Content-Length"] == str(len(DATA))
        assert resp.headers["Cache-Control"] == "no-store"
        assert resp.headers["Accept-Ranges"] == "bytes"

    def test_ranges_are_read_from_glance(self, glance, owner, api, backend):
        """One range: 206 with those bytes; past the end: 416."""
        image = glance.create_image(owner.token, DATA)
        path = url_of(backend, image["id"])
        resp = api.get(path, headers={"Range": "bytes=1000-1999"})
        assert resp.status_code == 206
        assert resp.content == DATA[1000:2000]
        assert resp.headers["Content-Range"] == f"bytes 1000-1999/{len(DATA)}"
        tail = api.get(path, headers={"Range": "bytes=-10"})
        assert tail.status_code == 206
        assert tail.content == DATA[-10:]
        past = api.get(path, headers={"Range": f"bytes={len(DATA)}-"})
        assert past.status_code == 416
        assert past.headers["Content-Range"] == f"bytes */{len(DATA)}"

    def test_head_gives_the_size_alone(self, glance, owner, api, backend):
        """HEAD answers the headers without the body."""
        image = glance.create_image(owner.token, DATA)
        resp = api.head(url_of(backend, image["id"]))
        assert resp.status_code == 200
        assert resp.headers["Content-Length"] == str(len(DATA))
        assert resp.content == b""


class TestEveryAuthStrategy:
    @pytest.mark.parametrize("strategy", ["keystone", "http_basic", "noauth"])
    def test_served_without_credentials_under_every_strategy(
        self, glance, owner, backend, database, tmp_path, strategy
    ):
        """The token is the authority: no credentials needed, whatever the API asks."""
        extra = {}
        if strategy == "http_basic":
            htpasswd = tmp_path / "htpasswd"
            htpasswd.write_text("")
            extra["http_basic_auth_user_file"] = str(htpasswd)
        conf = fixtures.make_conf(tmp_path, glance, auth_strategy=strategy, **extra)
        image = glance.create_image(owner.token, DATA)
        app = api_app.create_app(conf, database)
        with httpx.Client(
            transport=httpx.WSGITransport(app=app), base_url=fixtures.BASE_URL
        ) as client:
            if strategy != "noauth":
                assert client.get("/v1/flavors").status_code == UNAUTHORIZED
            assert client.get(url_of(backend, image["id"])).content == DATA

    def test_the_token_is_never_logged(self, glance, owner, api, backend, caplog):
        """Serving, 404s and 416s log the token's first characters only."""
        caplog.set_level(logging.DEBUG)
        image = glance.create_image(owner.token, DATA)
        path = url_of(backend, image["id"])
        token = path.rsplit("/", 1)[1]
        api.get(path)
        api.head(path)
        api.get(path, headers={"Range": f"bytes={len(DATA)}-"})
        glance.delete(owner.token, image["id"])
        api.get(path)
        # NOTE: httpx is the test's client (the BMC), which knows the URL.
        logged = "\n".join(
            r.getMessage() for r in caplog.records if not r.name.startswith("httpx")
        )
        assert token[:6] in logged
        assert token not in logged


class TestRefused:
    def test_deactivated_image_is_refused_until_reactivated(
        self, glance, owner, api, backend
    ):
        """Deactivating stops a URL at once (400 naming it); reactivating resumes."""
        image = glance.create_image(owner.token, DATA)
        path = url_of(backend, image["id"])
        glance.deactivate(owner.token, image["id"])
        resp = api.get(path)
        assert resp.status_code == 400
        assert image["id"] in resp.json()["error_message"]
        assert "deactivated" in resp.json()["error_message"]
        glance.reactivate(glance.keystone.project_persona("admin").token, image["id"])
        assert api.get(path).content == DATA

    def test_deleted_image_is_404(self, glance, owner, api, backend):
        """A URL of a deleted image is 404."""
        image = glance.create_image(owner.token, DATA)
        path = url_of(backend, image["id"])
        glance.delete(owner.token, image["id"])
        resp = api.get(path)
        assert resp.status_code == 404
        assert resp.json()["code"] == "mogan.deploy_image.not_found"

    def test_expired_forged_and_foreign_tokens_are_404(
        self, glance, owner, api, backend
    ):
        """Only an unexpired image token sealed with Mogan's keys serves."""
        image = glance.create_image(owner.token, DATA)
        sealer = backend.sealer
        expired = temp_url.mint(sealer, "", image["id"], ttl=60, now=1.0)
        token = url_of(backend, image["id"]).rsplit("/", 1)[1]
        forged = token[:-5] + ("A" if token[-5] != "A" else "B") + token[-4:]
        other_key = crypto.Sealer([crypto.generate_key().encode()])
        foreign = temp_url.mint(other_key, "", image["id"], ttl=600)
        # NOTE: another value sealed with Mogan's key (an admin password in
        # a workflow row) is not a token.
        sealed = (sealer.seal(image["id"]) or "")[len(crypto.PREFIX) :]
        for path in (
            expired,
            f"{temp_url.PATH}{forged}",
            foreign,
            temp_url.PATH + sealed,
        ):
            resp = api.get(path)
            assert resp.status_code == 404, path
            assert token not in resp.text
        assert api.get(f"{temp_url.PATH}{token}").status_code == 200

    def test_a_token_past_the_bound_is_400_naming_it(self, api):
        """Path values are bounded: 256 characters is a 400 naming ``token``."""
        resp = api.get(temp_url.PATH + "a" * 256)
        assert resp.status_code == 400
        assert "token" in resp.json()["error_message"]

    def test_the_embedded_backend_serves_no_glance_url(
        self, glance, owner, backend, client
    ):
        """With ``[image] backend = embedded`` the route has nothing to serve."""
        image = glance.create_image(owner.token, DATA)
        resp = client.get(url_of(backend, image["id"]))
        assert resp.status_code == 404
