"""Key material for keypairs: generate, parse and fingerprint.

SSH fingerprints are the MD5 of the key blob as colon-separated hex (what
``ssh-keygen -l -E md5`` shows and what Nova and Mogan v1 report); x509
fingerprints are the SHA-1 of the DER certificate, likewise formatted.
"""

import base64
import binascii
import dataclasses
import datetime
import hashlib
import urllib.parse

from cryptography import exceptions as crypto_exc
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from mogan import exception


@dataclasses.dataclass(frozen=True)
class KeyMaterial:
    """A public key with its fingerprint, and the private key if generated."""

    public_key: str
    fingerprint: str
    private_key: str | None = None


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def ssh_fingerprint(public_key: str) -> str:
    """Fingerprint of an OpenSSH public key line.

    Raises:
        InvalidParameter: the key cannot be parsed.
    """
    try:
        serialization.load_ssh_public_key(public_key.strip().encode())
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (
        ValueError,
        IndexError,
        binascii.Error,
        TypeError,
        crypto_exc.UnsupportedAlgorithm,
    ) as err:
        raise exception.InvalidParameter(
            field="public_key", reason="not a valid OpenSSH public key"
        ) from err
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(certificate: str) -> str:
    """Fingerprint of a PEM x509 certificate.

    Raises:
        InvalidParameter: the certificate cannot be parsed.
    """
    try:
        cert = x509.load_pem_x509_certificate(certificate.encode())
    except ValueError as err:
        raise exception.InvalidParameter(
            field="public_key", reason="not a valid PEM x509 certificate"
        ) from err
    return _colon_hex(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - x509 fingerprints are SHA-1 by convention


def import_key(key_type: str, public_key: str) -> KeyMaterial:
    """Fingerprint a key the user supplied."""
    if key_type == "x509":
        return KeyMaterial(public_key, x509_fingerprint(public_key))
    return KeyMaterial(public_key.strip(), ssh_fingerprint(public_key))


def generate_ssh() -> KeyMaterial:
    """A new RSA 2048 keypair in OpenSSH formats."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(
            serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
        )
        .decode()
    )
    public = f"{public} Generated-by-Mogan"
    return KeyMaterial(public, ssh_fingerprint(public), private)


def generate_x509(user_id: str) -> KeyMaterial:
    """A self-signed client certificate for ``user_id``; the private part is PKCS#12."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # NOTE: X.509 caps a common name at 64 characters; longer user ids
    # (federated, http_basic) keep their first 64 there and whole in a SAN.
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, user_id[:64])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.UniformResourceIdentifier(
                        "urn:mogan:user:" + urllib.parse.quote(user_id, safe="")
                    )
                ]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    bundle = pkcs12.serialize_key_and_certificates(
        user_id.encode(), key, cert, None, serialization.NoEncryption()
    )
    return KeyMaterial(pem, x509_fingerprint(pem), base64.b64encode(bundle).decode())
