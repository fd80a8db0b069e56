"""Options of the ``[image]`` and ``[glance]`` groups: where images come from.

``[image] backend`` chooses the catalogue: Mogan's own (``embedded``) or
Glance. ``[glance]`` holds keystoneauth's session, auth and adapter options
(the service user that reads images for the engine and serves temporary
URLs, and ``endpoint_override`` or the catalog's ``image`` service) and the
lifetime of temporary image URLs.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

group = cfg.OptGroup("image", title="Image backend options")
glance_group = cfg.OptGroup("glance", title="Glance image service")

EMBEDDED = "embedded"
GLANCE = "glance"
DEFAULT_TIMEOUT = 30

opts = [
    cfg.StrOpt(
        "backend",
        default=EMBEDDED,
        choices=[
            (
                EMBEDDED,
                (
                    "Images registered in Mogan's own catalogue (/v1/images), "
                    "each with the URL nodes fetch it from."
                ),
            ),
            (
                GLANCE,
                (
                    "Images from Glance, with Glance's visibility and membership "
                    "rules: a tenant deploys what Glance shows its token. "
                    "Configure [glance]."
                ),
            ),
        ],
        help="Where deploy images come from.",
    ),
]

glance_opts = [
    cfg.IntOpt(
        "temp_url_ttl",
        default=3600,
        min=60,
        help=(
            "Seconds a temporary image URL stays valid. Drivers that fetch "
            "images by URL (redfish, fake, an Ironic not using Glance) get "
            "<[deploy_media] base_url>/v1/deploy_images/<token>, served by "
            "Mogan's API from Glance; the token is signed with [DEFAULT] "
            "secret_key and names one image until it expires."
        ),
    ),
]


def _session_opts() -> list[cfg.Opt]:
    """Keystoneauth's session options, with a request timeout by default."""
    session = ks_loading.get_session_conf_options()
    for opt in session:
        if opt.dest == "timeout":
            # NOTE: keystoneauth's default is no timeout: a hung Glance would
            # hold an API worker or an engine worker forever.
            opt.default = DEFAULT_TIMEOUT
            opt.help = "Seconds an HTTP request to Glance may take."
    return session


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register ``[image]``, ``[glance]`` and keystoneauth's ``[glance]`` options."""
    # NOTE: fresh groups per ConfigOpts: oslo.config copies a registered
    # group shallowly, so options keystoneauth adds would leak between
    # configurations built in one process.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
    glance = cfg.OptGroup(glance_group.name, title=glance_group.title)
    conf.register_group(glance)
    conf.register_opts(glance_opts, group=glance)
    conf.register_opts(_session_opts(), group=glance)
    ks_loading.register_auth_conf_options(conf, glance.name)
    ks_loading.register_adapter_conf_options(conf, glance.name)


def list_glance_opts() -> list[cfg.Opt]:
    """Every ``[glance]`` option, for the sample generator."""
    return [
        *glance_opts,
        *_session_opts(),
        *ks_loading.get_auth_common_conf_options(),
        *ks_loading.get_auth_plugin_conf_options("password"),
        *ks_loading.get_adapter_conf_options(include_deprecated=False),
    ]
