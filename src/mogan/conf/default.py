"""Options of the ``[DEFAULT]`` group: identity of this host and its state."""

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt(
        "host",
        default=socket.getfqdn(),
        sample_default="localhost",
        help=(
            "Name of this host. Engines register under this name and hold node "
            "reservations with it, so it must be unique among running engines."
        ),
    ),
    cfg.StrOpt(
        "state_path",
        default="/var/lib/mogan",
        help=(
            "Directory where Mogan keeps local state: the embedded SQLite "
            "database and the fake driver's simulated fleet."
        ),
    ),
    cfg.StrOpt(
        "secret_key",
        secret=True,
        help=(
            "Fernet key (32 url-safe base64-encoded bytes, e.g. from "
            "`python -c 'from mogan import crypto; print(crypto.generate_key())'`) "
            "sealing the secrets that rest in the database (a server's admin "
            "password and the config drive built from it, the BMC passwords of "
            "enrolled nodes). Every API and engine "
            "process must have the same key. Unset, a key is derived from "
            "[database] connection: a database dump alone shows no plaintext, "
            "but anyone with the configuration can open it."
        ),
    ),
    cfg.ListOpt(
        "previous_secret_keys",
        default=[],
        secret=True,
        help=(
            "Former values of secret_key, still accepted to open what they "
            "sealed: set the new key as secret_key, the old one here, run "
            "`mogan-dbsync reseal` (every sealed value sealed again with "
            "secret_key), then drop the old key."
        ),
    ),
    cfg.BoolOpt(
        "debug_tracebacks_in_api",
        default=False,
        help=(
            "Return server-side tracebacks in API error bodies. Useful while "
            "developing; never enable it on a public endpoint."
        ),
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[DEFAULT]`` options."""
    conf.register_opts(opts)
