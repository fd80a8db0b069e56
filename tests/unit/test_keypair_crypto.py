"""Key material: fingerprints against fixed vectors, parsing, generation."""

import base64
import contextlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from hypothesis import given
from hypothesis import strategies as st

from mogan import exception
from mogan.services import keypair_crypto

# NOTE: fingerprints printed by ``ssh-keygen -l -E md5 -f <key>.pub``.
ED25519 = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEiJgSkTr5SPva1j7CkVfvx4G+HrP6QtTT/vjsTquJi6"
    " vector@mogan"
)
ED25519_MD5 = "20:d0:de:2e:99:56:35:80:b0:ab:62:57:d1:b4:a3:08"
RSA = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC3GOuY4sZOIm+oE8+INQnRVNsSJ8HilKM92q7gX0o9"
    "VWW109T60xZQ7Bvhz+T18O+xa+ci9Gn+toigmUNI9Gz2JTnQHT/t9VOl9VELWSUXwPfblDri1dBN3m4B"
    "a8Sgd0OsLH0vls8FbF4fvhDVeY3hPf+gQhdtRytd37YP8gQdaQ== rsa@mogan"
)
RSA_MD5 = "86:d2:1e:c4:07:32:14:2f:95:8b:77:01:f4:95:b2:9b"


class TestSshFingerprint:
    @pytest.mark.parametrize(
        ("key", "expected"), [(ED25519, ED25519_MD5), (RSA, RSA_MD5)]
    )
    def test_matches_ssh_keygen(self, key, expected):
        """The fingerprint is the one ssh-keygen prints for the same key."""
        assert expected == keypair_crypto.ssh_fingerprint(key)

    def test_comment_and_whitespace_do_not_matter(self):
        """Only the key blob is fingerprinted."""
        bare = " ".join(ED25519.split()[:2])
        assert keypair_crypto.ssh_fingerprint(f"  {bare}\n") == ED25519_MD5

    @pytest.mark.parametrize(
        "key",
        [
            "",
            "ssh-rsa",
            "not a key",
            "ssh-rsa AAAA",
            "ssh-ed25519 !!!",
            "sk-ssh-ed25519@openssh.com AAAA",
            ED25519.replace("ssh-ed25519", "ssh-rsa"),
        ],
    )
    def test_unparsable_keys_name_public_key(self, key):
        """Anything but a valid OpenSSH key line is InvalidParameter on public_key."""
        with pytest.raises(exception.InvalidParameter) as info:
            keypair_crypto.ssh_fingerprint(key)
        assert info.value.kwargs["field"] == "public_key"

    @given(
        st.tuples(
            st.sampled_from(["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "x"]),
            st.text(max_size=60),
            st.text(max_size=10),
        ).map(" ".join)
        | st.text()
    )
    def test_any_text_is_fingerprinted_or_invalid(self, text):
        """No input makes the parser raise anything but InvalidParameter."""
        with contextlib.suppress(exception.InvalidParameter):
            keypair_crypto.ssh_fingerprint(text)


class TestImport:
    def test_ssh_key_is_stripped(self):
        """Imported ssh keys lose surrounding whitespace."""
        material = keypair_crypto.import_key("ssh", f"\n{RSA}\n")
        assert (
            material.public_key,
            material.fingerprint,
            material.private_key,
        ) == (RSA, RSA_MD5, None)

    def test_ssh_key_as_x509_is_invalid(self):
        """An ssh key is not a certificate."""
        with pytest.raises(exception.InvalidParameter):
            keypair_crypto.import_key("x509", RSA)


class TestGenerate:
    def test_ssh_pair_matches_and_is_marked(self):
        """A generated ssh pair is RSA 2048, marked, and fingerprinted."""
        material = keypair_crypto.generate_ssh()
        assert material.private_key is not None
        private = serialization.load_ssh_private_key(
            material.private_key.encode(), password=None
        )
        public = serialization.load_ssh_public_key(material.public_key.encode())
        assert private.public_key() == public
        assert material.public_key.endswith(" Generated-by-Mogan")
        assert keypair_crypto.ssh_fingerprint(material.public_key) == (
            material.fingerprint
        )

    def test_x509_certificate_names_the_user_and_bundles_the_key(self):
        """A generated certificate has CN=user and ships with its key as PKCS#12."""
        material = keypair_crypto.generate_x509("carol")
        cert = x509.load_pem_x509_certificate(material.public_key.encode())
        assert cert.subject.rfc4514_string() == "CN=carol"
        assert material.private_key is not None
        _, bundled, _ = pkcs12.load_key_and_certificates(
            base64.b64decode(material.private_key), None
        )
        assert bundled == cert
        assert keypair_crypto.x509_fingerprint(material.public_key) == (
            material.fingerprint
        )
