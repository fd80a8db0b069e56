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


PEM_BEGIN = "-----BEGIN CERTIFICATE-----"
PEM_END = "-----END CERTIFICATE-----"


def _colon_hex(digest: bytes) -> str:
    return ":".join(f"{b:02x}" for b in digest)


def _invalid(reason: str) -> exception.InvalidParameter:
    return exception.InvalidParameter(field="public_key", reason=reason)


def _control_characters(text: str, allowed: str = "") -> list[str]:
    """The control characters in ``text`` (bar ``allowed``), as escapes."""
    found = {c for c in text if (c < " " or c == "\x7f") and c not in allowed}
    return sorted(repr(c) for c in found)


def ssh_key_line(public_key: str) -> str:
    """``public_key`` as the single OpenSSH line it must be, whitespace stripped.

    A key is one line ``type base64 [comment]``. Several lines would each
    land in ``authorized_keys`` through the config drive while the
    fingerprint covers only the first, so they are refused.

    Raises:
        InvalidParameter: more than one line, or control characters.
    """
    line = public_key.strip()
    if "\n" in line or "\r" in line:
        raise _invalid("must be one OpenSSH public key on one line, not several")
    control = _control_characters(line)
    if control:
        raise _invalid(f"control characters are not allowed: {', '.join(control)}")
    return line


def ssh_fingerprint(public_key: str) -> str:
    """Fingerprint of an OpenSSH public key line.

    Raises:
        InvalidParameter: the key is not one line that parses.
    """
    line = ssh_key_line(public_key)
    try:
        serialization.load_ssh_public_key(line.encode())
        blob = base64.b64decode(line.split()[1], validate=True)
    except (
        ValueError,
        IndexError,
        binascii.Error,
        TypeError,
        crypto_exc.UnsupportedAlgorithm,
    ) as err:
        raise _invalid("not a valid OpenSSH public key") from err
    return _colon_hex(hashlib.md5(blob, usedforsecurity=False).digest())


def x509_fingerprint(certificate: str) -> str:
    """Fingerprint of a PEM x509 certificate.

    Raises:
        InvalidParameter: not exactly one PEM certificate (and nothing else),
            or control characters other than line breaks.
    """
    control = _control_characters(certificate, allowed="\r\n")
    if control:
        raise _invalid(f"control characters are not allowed: {', '.join(control)}")
    text = certificate.strip()
    if not (text.startswith(PEM_BEGIN) and text.endswith(PEM_END)):
        raise _invalid("not a PEM x509 certificate (and nothing else)")
    try:
        certs = x509.load_pem_x509_certificates(text.encode())
    except ValueError as err:
        raise _invalid("not a valid PEM x509 certificate") from err
    if len(certs) != 1 or text.count("-----BEGIN") != 1:
        raise _invalid("must hold exactly one certificate")
    return _colon_hex(certs[0].fingerprint(hashes.SHA1()))  # noqa: S303 - x509 fingerprints are SHA-1 by convention


def import_key(key_type: str, public_key: str) -> KeyMaterial:
    """Fingerprint a key the user supplied."""
    if key_type == "x509":
        return KeyMaterial(public_key, x509_fingerprint(public_key))
    return KeyMaterial(ssh_key_line(public_key), ssh_fingerprint(public_key))


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
