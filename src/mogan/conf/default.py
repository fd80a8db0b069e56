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
