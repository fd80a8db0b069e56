"""The Redfish driver's options, group ``[redfish]``: how it talks to BMCs.

Registered by the driver itself (``RedfishDriver.register_opts``) and listed
for the sample generator through it (``mogan.drivers.loader.list_opts``).
Every BMC request has a connect and a read timeout, and sushy's retries of
server errors are bounded here (sushy alone retries each 5xx ten times,
3 seconds apart). ``installer_iso_url`` is what deploys disk images
(``redfish_install``).
"""

from oslo_config import cfg

group = cfg.OptGroup("redfish", title="Redfish driver options")

opts = [
    cfg.FloatOpt(
        "connect_timeout",
        default=5.0,
        min=0.1,
        help="Seconds to wait for a BMC to accept a TCP connection.",
    ),
    cfg.FloatOpt(
        "read_timeout",
        default=30.0,
        min=0.1,
        help="Seconds to wait for a BMC's answer to one request.",
    ),
    cfg.IntOpt(
        "server_side_retries",
        default=2,
        min=1,
        max=10,
        help=(
            "Attempts sushy makes of a read answered with a 5xx, and of a "
            "request whose connection failed (writes answered with a 5xx "
            "are not repeated: they may have been applied). sushy's own "
            "default is 10."
        ),
    ),
    cfg.FloatOpt(
        "server_side_retries_delay",
        default=0.5,
        min=0.0,
        max=10.0,
        help="Seconds between those attempts (sushy's own default is 3).",
    ),
    cfg.BoolOpt(
        "verify_tls",
        default=True,
        help=(
            "Check BMC certificates. A node enrolled with verify_tls off is "
            "never checked; turning this off stops checking every BMC "
            "(lab use only)."
        ),
    ),
    cfg.StrOpt(
        "ca_file",
        help=(
            "CA bundle (a file or a directory of certificates) that BMC "
            "certificates are checked against; unset: the system's CAs."
        ),
    ),
    cfg.FloatOpt(
        "media_ttl",
        default=3600.0,
        min=60.0,
        help=(
            "Seconds the config drive medium of a deploy stays served to "
            "the BMC. BMCs that stream virtual media (rather than copy it "
            "at insertion) read it while the instance boots: keep this "
            "longer than a deploy."
        ),
    ),
    cfg.StrOpt(
        "installer_iso_url",
        help=(
            "URL (http or https, reachable by the BMCs) of the installer ISO "
            "that deploys disk images (disk_format raw or qcow2) on Redfish "
            "nodes. It goes on the virtual CD, with the deploy's config "
            "drive medium (label config-2) on a second device; the "
            "installer reads mogan/install.json from that medium (image "
            "URL, checksum, disk_format, root device hint), writes the "
            "image and a config drive partition to the root disk, and "
            "powers the system off; Mogan then boots the disk. An "
            "installer that fails leaves the system on: the deploy fails "
            "at [engine] deploy_timeout. Unset: disk images are refused on "
            "Redfish nodes (ISO images still deploy, from the CD)."
        ),
    ),
    cfg.FloatOpt(
        "soft_power_timeout",
        default=300.0,
        min=1.0,
        help=(
            "Seconds a soft power off or soft reboot may take: past that "
            "the power action is reported failed (the OS ignored the "
            "request) instead of in progress."
        ),
    ),
    cfg.IntOpt(
        "sync_workers",
        default=8,
        min=1,
        max=64,
        help=(
            "BMCs asked for their power state at once when the engine "
            "lists the nodes (each node has its own BMC)."
        ),
    ),
]


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """``[redfish]`` and its options."""
    return [(group.name, opts)]
