"""Keypairs through the real app: generate, import, ownership, quota, paging."""

import base64
import datetime
import hashlib
import json
import shutil
import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests.conftest import ADMIN, MEMBER, OTHER, READER

FIELDS = {
    "name",
    "user_id",
    "type",
    "fingerprint",
    "public_key",
    "links",
    "created_at",
    "updated_at",
}


def fault(resp) -> str:
    """The faultstring inside a v1 error body."""
    return str(json.loads(resp.json()["error_message"])["faultstring"])


def colon_hex(digest: bytes) -> str:
    """``aa:bb:...`` as ssh-keygen and Nova print fingerprints."""
    return ":".join(f"{b:02x}" for b in digest)


def md5_fingerprint(public_key: str) -> str:
    """What ``ssh-keygen -l -E md5`` prints (without ``MD5:``) for a key line."""
    blob = base64.b64decode(public_key.split()[1])
    return colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def rsa_public_key(comment: str = "alice@laptop") -> str:
    """A fresh RSA public key line."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    line = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return f"{line.decode()} {comment}"


def ed25519_public_key() -> str:
    """A fresh Ed25519 public key line, without a comment."""
    line = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
    )
    return line.decode()


def self_signed_pem() -> tuple[str, x509.Certificate]:
    """A fresh self-signed certificate, as PEM and as an object."""
    key = ed25519.Ed25519PrivateKey.generate()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imported")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, None)
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode(), cert


def create(client, persona=MEMBER, **body):
    """POST a keypair as ``persona``; the response."""
    return client.post("/v1/keypairs", json=body, headers=persona.headers)


def make_keypair(client, persona=MEMBER, **body) -> dict:
    """Import a keypair as ``persona`` and return its body."""
    body.setdefault("public_key", ed25519_public_key())
    resp = create(client, persona, **body)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())


class TestGenerateSsh:
    def test_generate_returns_201_location_and_private_key_once(self, client):
        """Generating answers 201 with Location and the private key, and never again."""
        resp = create(client, name="gen")
        assert resp.status_code == 201
        body = resp.json()
        assert set(body) == {*FIELDS, "private_key"}
        assert resp.headers["Location"] == "http://mogan.test/v1/keypairs/gen"
        assert body["links"] == [
            {"href": "http://mogan.test/v1/keypairs/gen", "rel": "self"},
            {"href": "http://mogan.test/keypairs/gen", "rel": "bookmark"},
        ]
        assert body["user_id"] == MEMBER.user_id
        assert body["type"] == "ssh"
        shown = client.get("/v1/keypairs/gen", headers=MEMBER.headers).json()
        listed = client.get("/v1/keypairs", headers=MEMBER.headers).json()
        assert set(shown) == FIELDS
        assert [set(k) for k in listed["keypairs"]] == [FIELDS]

    def test_generated_keys_parse_match_and_are_fingerprinted(self, client):
        """The public key parses, pairs with the private key, has an MD5 fingerprint."""
        body = create(client, name="gen").json()
        public = serialization.load_ssh_public_key(body["public_key"].encode())
        private = serialization.load_ssh_private_key(
            body["private_key"].encode(), password=None
        )
        assert isinstance(public, rsa.RSAPublicKey)
        assert public.key_size == 2048
        assert private.public_key().public_numbers() == public.public_numbers()
        assert body["public_key"].endswith(" Generated-by-Mogan")
        assert md5_fingerprint(body["public_key"]) == body["fingerprint"]


class TestGenerateX509:
    def test_generate_returns_pem_certificate_and_pkcs12_bundle(self, client):
        """An x509 keypair is a PEM certificate for the user plus a base64 PKCS#12."""
        resp = create(client, name="cert", type="x509")
        assert resp.status_code == 201
        body = resp.json()
        assert body["type"] == "x509"
        cert = x509.load_pem_x509_certificate(body["public_key"].encode())
        common_name = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        assert [a.value for a in common_name] == [MEMBER.user_id]
        key, bundled_cert, _ = pkcs12.load_key_and_certificates(
            base64.b64decode(body["private_key"]), None
        )
        assert bundled_cert == cert
        assert key is not None
        assert key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ) == cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        assert body["fingerprint"] == colon_hex(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - the x509 fingerprint convention


class TestImport:
    @pytest.mark.parametrize("make_key", [rsa_public_key, ed25519_public_key])
    def test_import_ssh_stores_key_with_md5_fingerprint(self, client, make_key):
        """An imported RSA or Ed25519 key is stored as sent, without a private key."""
        public_key = make_key()
        resp = create(client, name="imported", public_key=f"{public_key}\n")
        assert resp.status_code == 201
        body = resp.json()
        assert set(body) == FIELDS
        assert body["public_key"] == public_key
        assert body["fingerprint"] == md5_fingerprint(public_key)

    @pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="no ssh-keygen")
    def test_fingerprint_matches_ssh_keygen(self, client, tmp_path):
        """The fingerprint is what ``ssh-keygen -l -E md5`` prints for the key."""
        public_key = rsa_public_key()
        key_file = tmp_path / "id_rsa.pub"
        key_file.write_text(public_key + "\n")
        printed = subprocess.run(
            [shutil.which("ssh-keygen") or "", "-l", "-E", "md5", "-f", key_file],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[1]
        body = make_keypair(client, name="checked", public_key=public_key)
        assert printed == f"MD5:{body['fingerprint']}"

    def test_import_x509_certificate_with_sha1_fingerprint(self, client):
        """An imported PEM certificate is fingerprinted with SHA-1 of its DER form."""
        pem, cert = self_signed_pem()
        resp = create(client, name="cert", type="x509", public_key=pem)
        assert resp.status_code == 201
        body = resp.json()
        assert body["type"] == "x509"
        assert body["public_key"] == pem
        assert "private_key" not in body
        assert body["fingerprint"] == colon_hex(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - the x509 fingerprint convention

    @pytest.mark.parametrize(
        ("key_type", "public_key"),
        [
            ("ssh", "not a key"),
            ("ssh", "ssh-rsa AAAA"),
            ("ssh", "ssh-rsa !!!notbase64!!!"),
            ("x509", "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"),
            ("x509", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJxIJJd3JmeI9Fk2wVYxS"),
            ("ssh", "ssh-ed25519 AAAA\x00"),
        ],
    )
    def test_unparsable_key_is_400_naming_public_key(
        self, client, key_type, public_key
    ):
        """A key that does not parse as its type is a 400 naming public_key."""
        resp = create(client, name="bad", type=key_type, public_key=public_key)
        assert resp.status_code == 400
        assert "'public_key'" in fault(resp)
        assert client.get("/v1/keypairs/bad", headers=MEMBER.headers).status_code == 404

    def test_x509_certificate_given_as_ssh_is_400(self, client):
        """A certificate sent with the default ssh type is refused."""
        pem, _ = self_signed_pem()
        resp = create(client, name="bad", public_key=pem)
        assert resp.status_code == 400
        assert "'public_key'" in fault(resp)


class TestOneKeyOnly:
    """A keypair is one key: the fingerprint and the config drive must agree."""

    @pytest.mark.parametrize("separator", ["\n", "\r\n", "\r", "\n\n"])
    def test_several_ssh_keys_are_400(self, client, separator):
        """Two keys on two lines (the second would reach authorized_keys) is a 400."""
        keys = separator.join([ed25519_public_key(), rsa_public_key()])
        resp = create(client, name="two", public_key=keys)
        assert resp.status_code == 400, resp.text
        assert "'public_key'" in fault(resp)
        assert "one line" in fault(resp)
        assert client.get("/v1/keypairs/two", headers=MEMBER.headers).status_code == 404

    @pytest.mark.parametrize(
        "control", ["\x1b[31m", "\t", "\x7f", "\x0b", "\x0c", "\x01"]
    )
    def test_control_characters_in_an_ssh_key_are_400(self, client, control):
        """Escape sequences or other control characters in the comment are refused."""
        key = rsa_public_key(comment=f"alice{control}@laptop")
        resp = create(client, name="ctl", public_key=key)
        assert resp.status_code == 400, resp.text
        assert "control characters" in fault(resp)

    def test_trailing_newline_of_a_key_file_is_fine(self, client):
        """``cat id_ed25519.pub`` ends with a newline: stripped, not refused."""
        key = ed25519_public_key()
        body = make_keypair(client, name="file", public_key=f"{key}\r\n")
        assert body["public_key"] == key

    def test_two_certificates_are_400(self, client):
        """An x509 keypair holds one certificate, not a chain or a bundle."""
        first, _ = self_signed_pem()
        second, _ = self_signed_pem()
        resp = create(client, name="chain", type="x509", public_key=first + second)
        assert resp.status_code == 400, resp.text
        assert "exactly one certificate" in fault(resp)

    @pytest.mark.parametrize(
        "wrap",
        [
            lambda pem: "junk\n" + pem,
            lambda pem: pem + "ssh-rsa AAAA\n",
            lambda pem: pem.replace("\n", "\n\x1b", 1),
        ],
        ids=["text before", "text after", "control character"],
    )
    def test_certificate_with_anything_else_is_400(self, client, wrap):
        """Nothing but the PEM block (and line breaks) may come with it."""
        pem, _ = self_signed_pem()
        resp = create(client, name="cert", type="x509", public_key=wrap(pem))
        assert resp.status_code == 400, resp.text
        assert "'public_key'" in fault(resp)


class TestValidation:
    @pytest.mark.parametrize(
        "name", ["bad/name", "bad!name", "é", "tab\there", "", "x" * 256]
    )
    def test_unsafe_or_long_name_is_400_naming_name(self, client, name):
        """Names outside letters, digits, '_', '-' and space, or over 255, are 400."""
        resp = create(client, name=name, public_key=ed25519_public_key())
        assert resp.status_code == 400
        assert "'name'" in fault(resp)

    def test_longest_name_with_spaces_is_accepted_and_linked_encoded(self, client):
        """A 255-character name with spaces is fine; its links percent-encode it."""
        name = "a b" + "c" * 252
        resp = create(client, name=name, public_key=ed25519_public_key())
        assert resp.status_code == 201
        encoded = "a%20b" + "c" * 252
        assert resp.headers["Location"] == f"http://mogan.test/v1/keypairs/{encoded}"
        shown = client.get(f"/v1/keypairs/{encoded}", headers=MEMBER.headers)
        assert shown.json()["name"] == name

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"name": "k", "type": "pgp"}, "type"),
            ({"name": "k", "bogus": 1}, "bogus"),
            ({"name": 5}, "name"),
            ({"name": "k", "user_id": "a\x00b"}, "user_id"),
            ({}, "name"),
        ],
    )
    def test_bad_bodies_are_400_naming_the_field(self, client, body, field):
        """Invalid bodies are refused with 400 and the offending field named."""
        resp = client.post("/v1/keypairs", json=body, headers=ADMIN.headers)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)


class TestNames:
    def test_duplicate_name_for_same_user_is_409(self, client):
        """A user cannot hold two keypairs of one name."""
        make_keypair(client, name="dup")
        resp = create(client, name="dup", public_key=ed25519_public_key())
        assert resp.status_code == 409
        assert resp.json()["code"] == "mogan.keypair.exists"

    def test_same_name_for_another_user_is_fine(self, client):
        """Names are unique per user, not globally."""
        mine = make_keypair(client, name="shared")
        theirs = make_keypair(client, OTHER, name="shared")
        assert (mine["user_id"], theirs["user_id"]) == (
            MEMBER.user_id,
            OTHER.user_id,
        )

    def test_unknown_keypair_is_404(self, client):
        """Showing or deleting a keypair that does not exist is a 404."""
        shown = client.get("/v1/keypairs/nope", headers=MEMBER.headers)
        deleted = client.delete("/v1/keypairs/nope", headers=MEMBER.headers)
        assert (shown.status_code, deleted.status_code) == (404, 404)
        assert shown.json()["code"] == "mogan.keypair.not_found"
        assert fault(shown) == f"Keypair nope not found for user {MEMBER.user_id}."

    def test_delete_removes_the_keypair(self, client):
        """A deleted keypair answers 204, then 404."""
        make_keypair(client, name="gone")
        resp = client.delete("/v1/keypairs/gone", headers=MEMBER.headers)
        assert resp.status_code == 204
        assert resp.content == b""
        assert (
            client.get("/v1/keypairs/gone", headers=MEMBER.headers).status_code == 404
        )


class TestIsolation:
    def test_users_never_see_each_others_keypairs(self, client):
        """Another user's keypair is absent from lists and 404 on show and delete."""
        make_keypair(client, name="alices")
        listed = client.get("/v1/keypairs", headers=OTHER.headers).json()
        assert listed == {"keypairs": []}
        shown = client.get("/v1/keypairs/alices", headers=OTHER.headers)
        deleted = client.delete("/v1/keypairs/alices", headers=OTHER.headers)
        assert (shown.status_code, deleted.status_code) == (404, 404)
        assert (
            client.get("/v1/keypairs/alices", headers=MEMBER.headers).status_code == 200
        )

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("GET", "/v1/keypairs"),
            ("GET", "/v1/keypairs/alices"),
            ("DELETE", "/v1/keypairs/alices"),
        ],
    )
    def test_naming_another_user_is_403_for_non_admins(self, client, method, path):
        """A non-admin cannot act for another user by naming them."""
        make_keypair(client, name="alices")
        resp = client.request(
            method, path, params={"user_id": MEMBER.user_id}, headers=OTHER.headers
        )
        assert resp.status_code == 403

    def test_creating_for_another_user_is_403_for_non_admins(self, client):
        """A non-admin cannot create a keypair owned by someone else."""
        resp = create(
            client,
            OTHER,
            name="planted",
            user_id=MEMBER.user_id,
            public_key=ed25519_public_key(),
        )
        assert resp.status_code == 403
        listed = client.get("/v1/keypairs", headers=MEMBER.headers).json()
        assert listed == {"keypairs": []}

    def test_naming_yourself_is_allowed(self, client):
        """A user may pass their own user_id."""
        make_keypair(client, name="mine", user_id=MEMBER.user_id)
        resp = client.get(
            "/v1/keypairs/mine",
            params={"user_id": MEMBER.user_id},
            headers=MEMBER.headers,
        )
        assert resp.status_code == 200

    def test_admin_acts_for_a_user_with_user_id(self, client):
        """An admin lists, shows, creates and deletes another user's keypairs."""
        make_keypair(client, name="alices")
        as_alice = {"user_id": MEMBER.user_id}
        made = make_keypair(client, ADMIN, name="for-alice", **as_alice)
        assert made["user_id"] == MEMBER.user_id
        listed = client.get("/v1/keypairs", params=as_alice, headers=ADMIN.headers)
        assert [k["name"] for k in listed.json()["keypairs"]] == [
            "alices",
            "for-alice",
        ]
        assert (
            client.get(
                "/v1/keypairs/alices", params=as_alice, headers=ADMIN.headers
            ).status_code
            == 200
        )
        assert client.get("/v1/keypairs", headers=ADMIN.headers).json() == {
            "keypairs": []
        }
        deleted = client.delete(
            "/v1/keypairs/alices", params=as_alice, headers=ADMIN.headers
        )
        assert deleted.status_code == 204
        assert (
            client.get("/v1/keypairs/alices", headers=MEMBER.headers).status_code == 404
        )

    def test_reader_lists_but_cannot_create(self, client):
        """The reader role may read its own keypairs but not create one."""
        assert client.get("/v1/keypairs", headers=READER.headers).status_code == 200
        resp = create(client, READER, name="r", public_key=ed25519_public_key())
        assert resp.status_code == 403


class TestQuota:
    def test_over_quota_is_403_per_user(self, client, conf):
        """Past keypairs_hard_limit a user gets 403; other users are unaffected."""
        conf.set_override("keypairs_hard_limit", 2, group="quota")
        make_keypair(client, name="one")
        make_keypair(client, name="two")
        resp = create(client, name="three", public_key=ed25519_public_key())
        assert resp.status_code == 403
        assert resp.json()["code"] == "mogan.over_quota"
        make_keypair(client, OTHER, name="one")

    def test_deleting_frees_quota(self, client, conf):
        """Deleting a keypair makes room for another."""
        conf.set_override("keypairs_hard_limit", 1, group="quota")
        make_keypair(client, name="one")
        assert (
            client.delete("/v1/keypairs/one", headers=MEMBER.headers).status_code == 204
        )
        make_keypair(client, name="two")

    def test_minus_one_means_unlimited(self, client, conf):
        """A limit of -1 never refuses."""
        conf.set_override("keypairs_hard_limit", -1, group="quota")
        for n in range(3):
            make_keypair(client, name=f"k{n}")


class TestPagination:
    @pytest.fixture
    def five(self, client) -> list[str]:
        """Five keypairs of the member, created out of name order."""
        names = ["delta", "alpha", "echo", "charlie", "bravo"]
        for name in names:
            make_keypair(client, name=name)
        return sorted(names)

    def page(self, client, **params) -> list[str]:
        """Names on one page of the member's keypairs."""
        resp = client.get("/v1/keypairs", params=params, headers=MEMBER.headers)
        assert resp.status_code == 200, resp.text
        return [k["name"] for k in resp.json()["keypairs"]]

    def test_limit_and_marker_walk_all_pages_by_name(self, client, five):
        """Following markers visits every keypair once, in name order."""
        seen: list[str] = []
        marker = None
        while True:
            params = {"limit": 2, **({"marker": marker} if marker else {})}
            names = self.page(client, **params)
            if not names:
                break
            seen += names
            marker = names[-1]
        assert seen == five

    def test_limit_is_capped_by_max_limit(self, client, conf, five):
        """No page is longer than [api] max_limit, whatever the client asks."""
        conf.set_override("max_limit", 3, group="api")
        assert self.page(client, limit=100) == five[:3]
        assert self.page(client) == five[:3]

    @pytest.mark.usefixtures("five")
    def test_unknown_marker_is_404(self, client):
        """A marker naming none of the user's keypairs is a 404 (v1)."""
        resp = client.get(
            "/v1/keypairs", params={"marker": "zulu"}, headers=MEMBER.headers
        )
        assert resp.status_code == 404

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": -1}, "limit"),
            ({"limit": "many"}, "limit"),
            ({"marker": "a\x00b"}, "marker"),
            ({"user_id": ""}, "user_id"),
            ({"sort_key": "name"}, "sort_key"),
        ],
    )
    def test_bad_query_is_400_naming_the_parameter(self, client, params, field):
        """Invalid query parameters are refused with 400 and named."""
        resp = client.get("/v1/keypairs", params=params, headers=MEMBER.headers)
        assert resp.status_code == 400
        assert f"'{field}'" in fault(resp)


class TestLongUserIds:
    def test_x509_for_user_id_over_64_characters(self, client):
        """x509 generation works for user ids longer than a certificate CN allows."""
        long_user = "u" * 100
        resp = client.post(
            "/v1/keypairs",
            json={"name": "cert", "type": "x509"},
            headers={"X-User-Id": long_user, "X-Project-Id": "p", "X-Roles": "member"},
        )
        assert resp.status_code == 201
        assert resp.json()["user_id"] == long_user
