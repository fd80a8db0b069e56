"""Helpers shared by the CLI test modules."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def ssh_public_key() -> str:
    """A fresh OpenSSH public key (ed25519: much faster to make than RSA)."""
    public = ed25519.Ed25519PrivateKey.generate().public_key()
    return public.public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    ).decode()


def error_line(result) -> str:
    """The single line the CLI printed on stderr."""
    lines = result.err.splitlines()
    assert len(lines) == 1, result.err
    return lines[0]
