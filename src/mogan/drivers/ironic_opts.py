"""The Ironic driver's options, group ``[ironic]``: where it finds Ironic.

Registered by the driver itself (``IronicDriver.register_opts``) and listed
for the sample generator through it (``mogan.drivers.loader.list_opts``):
no list outside the driver names them.

keystoneauth reads the session (TLS, ``timeout``), auth (``auth_type`` and
its options: ``password``, ``v3applicationcredential``, ``none`` or
``http_basic`` ...) and adapter (``endpoint_override``, ``region_name``,
``valid_interfaces`` ...) options of this group: the endpoint is
``endpoint_override`` when set, else the catalogue's ``baremetal`` service.
The options below tune the driver itself.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg, types

group = cfg.OptGroup("ironic", title="Ironic driver options")

DEFAULT_TIMEOUT = 30
GLANCE = "glance"
URL = "url"
# NOTE: Ironic's interfaces with these deploy steps (Ironic 2024.x and
# later): the Redfish family out of band, the agent's RAID in band.
DEPLOY_STEP_INTERFACES = (
    "raid:redfish",
    "raid:idrac-redfish",
    "raid:agent",
    "bios:redfish",
    "bios:idrac-redfish",
    "bios:ilo",
    "firmware:redfish",
)

opts = [
    cfg.IntOpt(
        "api_max_retries",
        default=3,
        min=0,
        help=(
            "Times a request is retried when Ironic answers 409 (node locked), "
            "and, for reads only, on a 5xx answer, a timeout or a connection "
            "failure. Past that a locked node is reported to the engine as "
            "locked (it retries the step later) and anything else as a "
            "driver error."
        ),
    ),
    cfg.FloatOpt(
        "api_retry_interval",
        default=0.5,
        min=0.0,
        help=(
            "Seconds before the first retry; each further retry waits twice "
            "as long (at most 10 seconds)."
        ),
    ),
    cfg.StrOpt(
        "configdrive_format",
        default="iso",
        choices=[
            (
                "iso",
                (
                    "Mogan builds the config drive (ISO 9660, label config-2, "
                    "gzip + base64) with every file, as Nova does."
                ),
            ),
            (
                "json",
                (
                    "Mogan sends meta_data, network_data and user_data as JSON "
                    "and Ironic (API 1.56 or later) builds the drive; Ironic's "
                    "conductor then needs genisoimage, and injected files are "
                    "not included."
                ),
            ),
        ],
        help="How the config drive is handed to Ironic.",
    ),
    cfg.ListOpt(
        "deploy_step_interfaces",
        default=list(DEPLOY_STEP_INTERFACES),
        item_type=types.String(regex=r"^(raid|bios|firmware):[A-Za-z0-9_.-]+$"),
        help=(
            "The Ironic hardware interfaces, as ``kind:name``, whose "
            "``raid.apply_configuration``, ``bios.apply_configuration`` or "
            "``firmware.update`` deploy steps Mogan may ask for. Ironic lists "
            "no node's deploy steps before a deploy and silently skips a step "
            "its interface lacks, so a server asking for RAID, BIOS or "
            "firmware is only deployed on a node whose interface of that "
            "kind is listed here. ``raid:agent`` needs a deploy interface "
            "that runs the agent's in-band steps."
        ),
    ),
    cfg.StrOpt(
        "image_source",
        default=GLANCE,
        choices=[
            (
                GLANCE,
                (
                    "An image from Glance ([image] backend = glance) goes to "
                    "Ironic as its Glance id: Ironic, configured with the same "
                    "Glance, reads it there with its own service user (which "
                    "must see the tenant's image: admin, see docs/deployment."
                    "md). Images of the embedded catalogue go as their URL."
                ),
            ),
            (
                URL,
                (
                    "Always a URL: for a Glance image, Mogan's temporary URL "
                    "(needs [deploy_media] base_url, reachable from Ironic's "
                    "conductors). For an Ironic without Glance."
                ),
            ),
        ],
        help="What Mogan sends as the node's instance_info/image_source.",
    ),
    cfg.FloatOpt(
        "console_timeout",
        default=10.0,
        min=0.0,
        help="Seconds to wait for Ironic to enable a node's console.",
    ),
]


def _session_opts() -> list[cfg.Opt]:
    """Keystoneauth's session options, with a request timeout by default."""
    session = ks_loading.get_session_conf_options()
    for opt in session:
        if opt.dest == "timeout":
            # NOTE: keystoneauth's default is no timeout at all (v1 section
            # 10 item 22): a hung Ironic would hold an engine worker forever.
            opt.default = DEFAULT_TIMEOUT
            opt.help = "Seconds an HTTP request to Ironic may take."
    return session


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register ``[ironic]`` and keystoneauth session, auth, adapter options."""
    # NOTE: a fresh group per ConfigOpts, as in conf.placement: oslo.config
    # copies a registered group shallowly.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
    conf.register_opts(_session_opts(), group=fresh)
    ks_loading.register_auth_conf_options(conf, group.name)
    ks_loading.register_adapter_conf_options(conf, group.name)


def list_opts() -> list[cfg.Opt]:
    """Every ``[ironic]`` option, for the sample generator."""
    return [
        *opts,
        *_session_opts(),
        *ks_loading.get_auth_common_conf_options(),
        *ks_loading.get_auth_plugin_conf_options("password"),
        *ks_loading.get_adapter_conf_options(include_deprecated=False),
    ]
