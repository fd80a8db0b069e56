"""Deploy media: published by the engine's store, fetched by BMCs from the API.

The real app on a real database: ``DbMediaStore.publish`` writes the
medium, an unauthenticated ``GET /v1/deploy_media/<token>`` serves it, in
ranges as BMCs read ISOs, until it expires, is withdrawn or replaced.
"""

import datetime
import logging
import os
import time
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from mogan import conf as mogan_conf
from mogan.api import app as api_app
from mogan.cmd import all_in_one
from mogan.db import migration, models
from mogan.db import session as db_session
from mogan.engine import deploy_media
from mogan.services import deploy_media as media_svc

BASE = "http://mogan.test"
SIZE = 100_000
UNAUTHORIZED = 401
NOT_FOUND = 404


def iso_bytes(size: int = SIZE) -> bytes:
    """Random bytes that carry an ISO 9660 volume descriptor signature."""
    data = bytearray(os.urandom(size))
    data[deploy_media.ISO_MAGIC_AT : deploy_media.ISO_MAGIC_AT + 5] = b"CD001"
    return bytes(data)


def path_of(url: str) -> str:
    """The path of a medium's URL (the client's base URL is the store's)."""
    assert url.startswith(f"{BASE}/v1/deploy_media/")
    return url.removeprefix(BASE)


def token_of(url: str) -> str:
    """The token a medium's URL ends with."""
    return url.rsplit("/", 1)[1]


@pytest.fixture
def store(database: db_session.Database) -> deploy_media.DbMediaStore:
    """The engine's media store on the test database, URLs on the test client."""
    return deploy_media.DbMediaStore(
        database, base_url=BASE + "/", max_bytes=4 * 1024 * 1024, default_ttl=60.0
    )


def count_media(database: db_session.Database) -> int:
    """Rows in ``deploy_media``."""
    with database.transaction(readonly=True) as session:
        return int(session.scalar(sa.select(sa.func.count(models.DeployMedium.id))))


class TestServe:
    def test_published_bytes_are_served_whole(self, client, store):
        """A published ISO comes back byte for byte, typed and sized."""
        data = iso_bytes()
        url = store.publish("node-1/config-drive", data, 60)
        resp = client.get(path_of(url))
        assert resp.status_code == 200
        assert data == resp.content
        assert str(SIZE) == resp.headers["Content-Length"]
        assert resp.headers["Content-Type"] == deploy_media.ISO
        assert resp.headers["Accept-Ranges"] == "bytes"
        assert resp.headers["Cache-Control"] == "no-store"

    def test_a_medium_larger_than_a_chunk_streams_whole(self, client, store):
        """A medium spanning several database reads arrives whole and in order."""
        data = os.urandom(media_svc.CHUNK * 2 + 12345)
        url = store.publish("big", data, 60)
        resp = client.get(path_of(url))
        assert resp.status_code == 200
        assert data == resp.content
        assert resp.headers["Content-Type"] == deploy_media.OCTETS

    def test_the_unprefixed_path_serves_too(self, client, store):
        """As every v1 resource, the medium is served without ``/v1`` too."""
        data = iso_bytes(5000)
        url = store.publish("m", data, 60)
        resp = client.get(path_of(url).removeprefix("/v1"))
        assert data == resp.content

    def test_head_gives_headers_only(self, client, store):
        """HEAD answers the medium's size and type with no body."""
        url = store.publish("m", iso_bytes(), 60)
        resp = client.head(path_of(url))
        assert resp.status_code == 200
        assert resp.content == b""
        assert str(SIZE) == resp.headers["Content-Length"]
        assert resp.headers["Content-Type"] == deploy_media.ISO

    def test_head_of_a_range(self, client, store):
        """HEAD with a range answers 206 with the range's headers."""
        url = store.publish("m", iso_bytes(), 60)
        resp = client.head(path_of(url), headers={"Range": "bytes=0-2047"})
        assert resp.status_code == 206
        assert resp.headers["Content-Length"] == "2048"
        assert f"bytes 0-2047/{SIZE}" == resp.headers["Content-Range"]


class TestRanges:
    @pytest.mark.parametrize(
        ("header", "start", "stop"),
        [
            ("bytes=0-2047", 0, 2048),
            ("bytes=32768-34815", 32768, 34816),
            ("bytes=-500", SIZE - 500, SIZE),
            ("bytes=99000-", 99000, SIZE),
            ("bytes=99990-200000", 99990, SIZE),
            ("bytes=-200000", 0, SIZE),
        ],
    )
    def test_one_range_is_served_as_206(self, client, store, header, start, stop):
        """One byte range (first, middle, suffix, open, past the end) gives 206."""
        data = iso_bytes()
        url = store.publish("m", data, 60)
        resp = client.get(path_of(url), headers={"Range": header})
        assert resp.status_code == 206
        assert data[start:stop] == resp.content
        assert str(stop - start) == resp.headers["Content-Length"]
        assert f"bytes {start}-{stop - 1}/{SIZE}" == resp.headers["Content-Range"]

    def test_a_range_past_the_end_is_416(self, client, store):
        """A range starting past the end is 416 and says the size."""
        url = store.publish("m", iso_bytes(), 60)
        resp = client.get(path_of(url), headers={"Range": f"bytes={SIZE}-"})
        assert resp.status_code == 416
        assert f"bytes */{SIZE}" == resp.headers["Content-Range"]
        assert resp.json()["code"] == "mogan.deploy_media.range_not_satisfiable"

    @pytest.mark.parametrize(
        "header", ["bytes=a-b", "items=0-10", "bytes=0-1,5-6", "bytes=9-2"]
    )
    def test_other_range_headers_are_ignored(self, client, store, header):
        """Malformed, non-byte or multiple ranges get the whole medium (200)."""
        data = iso_bytes()
        url = store.publish("m", data, 60)
        resp = client.get(path_of(url), headers={"Range": header})
        assert resp.status_code == 200
        assert data == resp.content


class TestLifetime:
    def test_an_expired_medium_is_404(self, client, store):
        """A medium published for 0.2 s answers 404 after it."""
        url = store.publish("short", iso_bytes(), 0.2)
        assert client.head(path_of(url)).status_code == 200
        time.sleep(0.3)
        resp = client.get(path_of(url))
        assert resp.status_code == NOT_FOUND
        assert resp.json()["code"] == "mogan.deploy_media.not_found"

    def test_a_withdrawn_medium_is_404(self, client, store):
        """Withdrawing stops serving at once; withdrawing again is a no-op."""
        url = store.publish("m", iso_bytes(), 60)
        store.withdraw("m")
        assert client.get(path_of(url)).status_code == NOT_FOUND
        store.withdraw("m")
        store.withdraw("never-published")

    def test_republishing_replaces_the_url(self, client, store):
        """Publishing a name again kills its old URL; the new one serves new bytes."""
        old = store.publish("m", iso_bytes(), 60)
        new_data = iso_bytes(3000)
        new = store.publish("m", new_data, 60)
        assert token_of(old) != token_of(new)
        assert client.get(path_of(old)).status_code == NOT_FOUND
        assert new_data == client.get(path_of(new)).content

    def test_reissuing_gives_a_new_url_to_the_same_bytes(self, client, store):
        """A reissued medium serves on a new URL only; an unserved one has none."""
        data = iso_bytes()
        old = store.publish("m", data, 60)
        new = store.reissue("m")
        assert new is not None
        assert token_of(old) != token_of(new)
        assert client.get(path_of(old)).status_code == NOT_FOUND
        assert data == client.get(path_of(new)).content
        store.withdraw("m")
        assert store.reissue("m") is None
        assert store.reissue("never-published") is None

    def test_an_expired_medium_is_not_reissued(self, store, database):
        """A medium past its lifetime gets no new URL."""
        store.publish("m", iso_bytes(), 60)
        with database.transaction() as session:
            session.execute(
                sa.update(models.DeployMedium).values(
                    expires_at=models.utcnow() - datetime.timedelta(seconds=1)
                )
            )
        assert store.reissue("m") is None

    def test_zero_ttl_means_the_default(self, client, store):
        """A publisher naming no lifetime (ttl <= 0) gets ``default_ttl``."""
        url = store.publish("m", iso_bytes(), 0)
        assert client.head(path_of(url)).status_code == 200

    def test_purge_removes_expired_media_only(self, client, store, database):
        """The engine's purge deletes expired rows and keeps live ones."""
        store.publish("short", iso_bytes(), 0.2)
        live = store.publish("long", iso_bytes(), 60)
        time.sleep(0.3)
        assert deploy_media.purge(database) == 1
        assert count_media(database) == 1
        assert client.head(path_of(live)).status_code == 200
        assert deploy_media.purge(database) == 0


class TestBadTokens:
    @pytest.mark.parametrize(
        "token",
        [
            "a" * (media_svc.TOKEN_LENGTH + 1),
            "a" * 255,
            "a" * (media_svc.TOKEN_LENGTH - 1),
            "!" * media_svc.TOKEN_LENGTH,
            "a.b" + "c" * (media_svc.TOKEN_LENGTH - 3),
            "%C3%A9" + "c" * (media_svc.TOKEN_LENGTH - 1),
        ],
    )
    def test_malformed_tokens_are_404_without_a_query(self, client, database, token):
        """A token of the wrong length or alphabet is 404 and never reaches SQL."""
        statements: list[str] = []

        def record(*args: object) -> None:
            statements.append(str(args[2]))

        event.listen(database.engine, "before_cursor_execute", record)
        try:
            resp = client.get(f"/v1/deploy_media/{token}")
        finally:
            event.remove(database.engine, "before_cursor_execute", record)
        assert resp.status_code == NOT_FOUND
        assert resp.json()["code"] == "mogan.deploy_media.not_found"
        assert [s for s in statements if "deploy_media" in s] == []

    def test_a_path_value_past_the_bound_is_400(self, client):
        """Past 255 characters the path value is refused as every other (400)."""
        resp = client.get(f"/v1/deploy_media/{'a' * 256}")
        assert resp.status_code == 400
        assert "'token'" in resp.json()["error_message"]

    def test_an_unknown_token_is_404(self, client, store):
        """A well-formed token nobody published is 404."""
        store.publish("m", iso_bytes(), 60)
        resp = client.get(f"/v1/deploy_media/{media_svc.new_token()}")
        assert resp.status_code == NOT_FOUND

    def test_only_the_token_hash_is_stored(self, store, database):
        """The database holds the token's hash, never the token."""
        url = store.publish("m", iso_bytes(), 60)
        with database.transaction(readonly=True) as session:
            row = session.scalars(sa.select(models.DeployMedium)).one()
        assert media_svc.hash_token(token_of(url)) == row.token_hash
        assert token_of(url) not in row.token_hash


class TestRefusals:
    def test_a_medium_over_max_bytes_is_refused(self, database):
        """A medium larger than ``max_bytes`` is refused naming the option."""
        store = deploy_media.DbMediaStore(database, BASE, 2048, 60)
        store.publish("fits", b"x" * 2048, 60)
        with pytest.raises(deploy_media.MediaRefused, match="max_bytes") as err:
            store.publish("too-big", b"x" * 2049, 60)
        assert not err.value.reschedulable
        assert count_media(database) == 1

    def test_without_base_url_publishing_is_refused(self, database, conf):
        """An engine without ``[deploy_media] base_url`` refuses, naming it."""
        store = deploy_media.from_conf(conf, database)
        with pytest.raises(deploy_media.MediaRefused, match="base_url"):
            store.publish("m", b"data", 60)
        assert count_media(database) == 0

    def test_from_conf_builds_urls_on_base_url(self, database, conf, client):
        """``from_conf`` reads ``[deploy_media]``; its URLs serve."""
        conf.set_override("base_url", BASE + "/", "deploy_media")
        conf.set_override("max_bytes", 4096, "deploy_media")
        store = deploy_media.from_conf(conf, database)
        url = store.publish("m", b"config", 60)
        assert client.get(path_of(url)).content == b"config"
        with pytest.raises(deploy_media.MediaRefused):
            store.publish("m", b"x" * 4097, 60)


def _client(conf, database) -> httpx.Client:
    return httpx.Client(
        transport=httpx.WSGITransport(app=api_app.create_app(conf, database)),
        base_url=BASE,
    )


class TestNoAuthentication:
    @pytest.fixture
    def keystone_conf(self, tmp_path):
        """Keystone auth with an identity service that is down."""
        ini = tmp_path / "mogan.conf"
        ini.write_text(
            "[keystone_authtoken]\n"
            "www_authenticate_uri = http://127.0.0.1:9/identity\n"
            "auth_url = http://127.0.0.1:9/identity\n"
            "http_connect_timeout = 2\n"
        )
        return mogan_conf.make_conf(
            default_config_files=[str(ini)],
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {"auth_strategy": "keystone"},
            },
        )

    def test_keystone_serves_media_without_a_token(
        self, keystone_conf, database, store
    ):
        """Under keystone a BMC with no token gets the medium; other routes 401."""
        data = iso_bytes()
        url = store.publish("m", data, 60)
        with _client(keystone_conf, database) as c:
            assert c.get("/v1/flavors").status_code == UNAUTHORIZED
            resp = c.get(path_of(url), headers={"Range": "bytes=0-2047"})
            assert resp.status_code == 206
            assert data[:2048] == resp.content
            assert c.get(f"/v1/deploy_media/{'a' * 43}").status_code == NOT_FOUND

    def test_http_basic_serves_media_without_credentials(
        self, tmp_path, database, store
    ):
        """Under http_basic a BMC sending no credentials gets the medium."""
        htpasswd = tmp_path / "htpasswd"
        htpasswd.write_text("")
        conf = mogan_conf.make_conf(
            overrides={
                "DEFAULT": {"state_path": str(tmp_path), "transport_url": "fake://"},
                "api": {
                    "auth_strategy": "http_basic",
                    "http_basic_auth_user_file": str(htpasswd),
                },
            }
        )
        data = iso_bytes()
        url = store.publish("m", data, 60)
        with _client(conf, database) as c:
            assert c.get("/v1/flavors").status_code == UNAUTHORIZED
            assert data == c.get(path_of(url)).content


class TestLogs:
    def test_the_token_is_never_logged(self, client, store, caplog):
        """Publishing, serving, 404s and 416s log the token's first characters only."""
        caplog.set_level(logging.DEBUG)
        url = store.publish("m", iso_bytes(), 60)
        token = token_of(url)
        client.get(path_of(url))
        client.head(path_of(url))
        client.get(path_of(url), headers={"Range": "bytes=999999-"})
        store.withdraw("m")
        client.get(path_of(url))
        # NOTE: httpx is the test's client (the BMC), which knows the URL.
        records = [r for r in caplog.records if r.name != "httpx"]
        text = "\n".join(
            [r.getMessage() for r in records]
            + [str(v) for r in records for v in r.__dict__.values()]
        )
        assert token not in text
        assert token[:12] not in text
        served = [
            r
            for r in caplog.records
            if r.name == "mogan.api.requestlog" and r.__dict__["status"] == "200"
        ]
        assert [f"/v1/deploy_media/{token[:6]}..."] * 2 == [
            r.__dict__["path"] for r in served
        ]


class TestAllInOneBaseUrl:
    @pytest.mark.parametrize(
        ("host", "expected"),
        [
            ("127.0.0.1", "http://127.0.0.1:6688"),
            ("::1", "http://[::1]:6688"),
            ("0.0.0.0", None),  # noqa: S104 - an address, not a bind
        ],
    )
    def test_base_url_follows_the_listen_address(self, host, expected):
        """The all-in-one serves media where it listens (a name for 0.0.0.0)."""
        got = all_in_one.media_base_url(host, 6688)
        if expected is None:
            assert "0.0.0.0" not in got  # noqa: S104
            assert got.endswith(":6688")
        else:
            assert expected == got


@pytest.fixture
def server_database(any_db_url: str) -> Iterator[db_session.Database]:
    """A migrated database on each backend (PostgreSQL and MariaDB: services tier)."""
    database = db_session.Database.from_url(any_db_url)
    migration.upgrade(database.engine)
    yield database
    database.dispose()


class TestBackends:
    def test_publish_range_replace_and_purge(self, server_database, conf):
        """On every backend: serve, ranges across chunks, replace, expire, purge."""
        store = deploy_media.DbMediaStore(server_database, BASE, 8 * 1024 * 1024, 60)
        data = iso_bytes(media_svc.CHUNK + 4096)
        with _client(conf, server_database) as c:
            url = store.publish("m", data, 60)
            assert data == c.get(path_of(url)).content
            start = media_svc.CHUNK - 100
            resp = c.get(path_of(url), headers={"Range": f"bytes={start}-"})
            assert resp.status_code == 206
            assert data[start:] == resp.content
            assert (
                data[-10:]
                == c.get(path_of(url), headers={"Range": "bytes=-10"}).content
            )
            new = store.publish("m", b"second", 60)
            assert c.get(path_of(url)).status_code == NOT_FOUND
            assert c.get(path_of(new)).content == b"second"
            short = store.publish("short", b"x", 0.2)
            time.sleep(0.3)
            assert c.get(path_of(short)).status_code == NOT_FOUND
            assert deploy_media.purge(server_database) == 1
            assert count_media(server_database) == 1
            store.withdraw("m")
            assert c.get(path_of(new)).status_code == NOT_FOUND
