"""The ``mogan`` CLI end to end: keypair and availability zone commands."""

import errno
import io
import os
import stat
import sys

import pytest
import yaml
from cryptography.hazmat.primitives import serialization

from mogan_cli.commands import keypair as keypair_cmd
from tests.conftest import MEMBER, OTHER, READER
from tests.functional.cli.support import error_line, ssh_public_key


class TestKeypairCreate:
    def test_generated_private_key_is_printed_bare(self, mogan):
        """A generated key's private half is printed alone, ready to redirect."""
        result = mogan("keypair", "create", "k1")
        assert result.code == 0, result.err
        assert result.out.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        assert result.out.endswith("-----END OPENSSH PRIVATE KEY-----\n")

    def test_private_key_file(self, mogan, tmp_path):
        """--private-key writes the key to a 0600 file and shows the keypair."""
        path = tmp_path / "k1.pem"
        result = mogan(
            "keypair", "create", "k1", "--private-key", str(path), "-f", "json"
        )
        assert result.code == 0, result.err
        assert "private_key" not in result.json()
        assert path.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600

    def test_private_key_file_is_never_overwritten(self, mogan, tmp_path):
        """An existing --private-key file is refused before any keypair exists."""
        path = tmp_path / "taken.pem"
        path.write_text("keep me")
        result = mogan("keypair", "create", "k1", "--private-key", str(path))
        assert result.code == 1
        assert "cannot write the private key" in error_line(result)
        assert "no keypair was created" in error_line(result)
        assert path.read_text() == "keep me"
        # NOTE: the key would be lost had the keypair been made: so it is not.
        listed = mogan("keypair", "list", "-f", "value", "-c", "Name")
        assert (listed.code, listed.out) == (0, "")
        assert mogan("keypair", "create", "k1", "--private-key", "k1.pem").code == 0

    def test_failed_create_leaves_no_key_file(self, mogan, tmp_path):
        """When the API refuses the keypair, the claimed file is removed."""
        assert mogan("keypair", "create", "k1", "-f", "json").code == 0
        path = tmp_path / "k1-again.pem"
        result = mogan("keypair", "create", "k1", "--private-key", str(path))
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 409, mogan.keypair.exists)")
        assert not path.exists()

    def test_write_failure_prints_the_key(self, mogan, tmp_path, monkeypatch):
        """A write that fails after the keypair exists hands the key over on stdout."""

        def disk_full(fd: int, key: str) -> None:
            del key
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        # NOTE: a full disk cannot be made here; this is the boundary.
        monkeypatch.setattr(keypair_cmd, "save_private_key", disk_full)
        path = tmp_path / "k1.pem"
        result = mogan("keypair", "create", "k1", "--private-key", str(path))
        assert result.code == 1
        line = error_line(result)
        assert "No space left on device" in line
        assert "printed on standard output" in line
        assert result.out.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        assert not path.exists()
        public = mogan("keypair", "show", "k1", "-f", "json").json()["public_key"]
        private = serialization.load_ssh_private_key(result.out.encode(), None)
        derived = private.public_key().public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        assert public.split()[:2] == derived.decode().split()[:2]

    def test_json_carries_the_private_key(self, mogan):
        """With -f json the private key is a field of the output."""
        body = mogan("keypair", "create", "k1", "-f", "json").json()
        assert body["private_key"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        assert body["public_key"].startswith("ssh-rsa ")

    def test_import_public_key_file(self, mogan, tmp_path):
        """--public-key FILE imports that key; no private key is shown."""
        public = ssh_public_key()
        path = tmp_path / "id.pub"
        path.write_text(public)
        result = mogan("keypair", "create", "imported", "--public-key", str(path))
        assert result.code == 0, result.err
        assert f"| public_key  | {public} |" in result.out
        assert "PRIVATE KEY" not in result.out

    def test_import_public_key_from_stdin(self, mogan, monkeypatch):
        """--public-key - reads the key from standard input."""
        public = ssh_public_key()
        monkeypatch.setattr(sys, "stdin", io.StringIO(public))
        result = mogan("keypair", "create", "piped", "--public-key", "-", "-f", "json")
        assert result.code == 0, result.err
        assert public.strip() == result.json()["public_key"].strip()

    def test_missing_public_key_file(self, mogan, tmp_path):
        """An unreadable --public-key file is one line and exit 1."""
        result = mogan(
            "keypair", "create", "k", "--public-key", str(tmp_path / "absent.pub")
        )
        assert result.code == 1
        assert "cannot read the public key" in error_line(result)

    def test_x509(self, mogan):
        """--type x509 makes an x509 keypair."""
        body = mogan("keypair", "create", "cert", "--type", "x509", "-f", "json").json()
        assert body["type"] == "x509"

    def test_for_another_user(self, mogan):
        """An admin creates a keypair for another user with --user."""
        body = mogan("keypair", "create", "k", "--user", "alice", "-f", "json").json()
        assert body["user_id"] == "alice"

    def test_member_may_not_act_for_another_user(self, mogan):
        """A member naming another user gets the server's 403."""
        result = mogan("keypair", "create", "k", "--user", "bob", persona=MEMBER)
        assert result.code == 1
        assert error_line(result).startswith("Error (HTTP 403, ")


class TestKeypairListShowDelete:
    @pytest.fixture(autouse=True)
    def keys(self, mogan, tmp_path):
        """Two imported keypairs for the member, one for another user."""
        for name, persona in (("k1", MEMBER), ("k2", MEMBER), ("b1", OTHER)):
            path = tmp_path / f"{name}.pub"
            path.write_text(ssh_public_key())
            result = mogan(
                "keypair", "create", name, "--public-key", str(path), persona=persona
            )
            assert result.code == 0, result.err

    def test_list_is_per_user(self, mogan):
        """Each user lists only their own keypairs."""
        result = mogan("keypair", "list", "-f", "value", "-c", "Name", persona=MEMBER)
        assert result.out == "k1\nk2\n"

    def test_list_table_and_yaml(self, mogan):
        """The table has Name, Type and Fingerprint; YAML matches it."""
        table = mogan("keypair", "list", persona=MEMBER).out
        assert "| Name | Type | Fingerprint" in table
        rows = yaml.safe_load(
            mogan("keypair", "list", "-f", "yaml", persona=MEMBER).out
        )
        assert [r["Name"] for r in rows] == ["k1", "k2"]
        assert {"ssh"} == {r["Type"] for r in rows}

    def test_admin_lists_another_users_keypairs(self, mogan):
        """An admin lists someone else's keypairs with --user."""
        result = mogan("keypair", "list", "--user", OTHER.user_id, "-f", "json")
        assert [r["Name"] for r in result.json()] == ["b1"]

    def test_show(self, mogan):
        """Show gives every field but the private key."""
        body = mogan("keypair", "show", "k1", "-f", "json", persona=MEMBER).json()
        assert (MEMBER.user_id, "ssh") == (body["user_id"], body["type"])
        assert "private_key" not in body

    def test_show_other_user_as_admin(self, mogan):
        """An admin shows another user's keypair with --user."""
        result = mogan(
            "keypair",
            "show",
            "b1",
            "--user",
            OTHER.user_id,
            "-f",
            "value",
            "-c",
            "name",
        )
        assert result.out == "b1\n"

    def test_show_missing_is_404(self, mogan):
        """A keypair the user does not have is the server's 404."""
        result = mogan("keypair", "show", "b1", persona=MEMBER)
        assert result.code == 1
        assert error_line(result).startswith(
            "Error (HTTP 404, mogan.keypair.not_found): "
        )

    def test_delete(self, mogan):
        """Several keypairs are deleted at once."""
        assert mogan("keypair", "delete", "k1", "k2", persona=MEMBER).code == 0
        assert mogan("keypair", "list", "-f", "json", persona=MEMBER).json() == []

    def test_delete_for_another_user(self, mogan):
        """An admin deletes another user's keypair with --user."""
        result = mogan("keypair", "delete", "b1", "--user", OTHER.user_id)
        assert result.code == 0, result.err
        assert mogan("keypair", "list", "-f", "json", persona=OTHER).json() == []

    def test_delete_missing_reports_and_fails(self, mogan):
        """A missing keypair is reported; the others are still deleted."""
        result = mogan("keypair", "delete", "nope", "k1", persona=MEMBER)
        assert result.code == 1
        assert result.err.startswith("Failed to delete keypair nope: Error (HTTP 404")
        assert [
            r["Name"]
            for r in mogan("keypair", "list", "-f", "json", persona=MEMBER).json()
        ] == ["k2"]


class TestAvailabilityZone:
    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [("json", "[]\n"), ("yaml", "[]\n"), ("value", ""), ("csv", '"Zone Name"\n')],
    )
    def test_list_formats(self, mogan, fmt, expected):
        """With no zones each format prints its empty form."""
        result = mogan("availability", "zone", "list", "-f", fmt)
        assert result.code == 0, result.err
        assert expected == result.out

    def test_reader_may_list(self, mogan):
        """Readers may list zones."""
        assert mogan("availability", "zone", "list", persona=READER).code == 0
