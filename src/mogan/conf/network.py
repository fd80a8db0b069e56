"""Options of the ``[network]`` and ``[neutron]`` groups.

``[network] backend`` chooses where servers get ports: the built-in flat
IPAM (``embedded``) or Neutron. ``[neutron]`` holds keystoneauth's session,
auth and adapter options for Mogan's service user there: the endpoint comes
from the catalog (service type ``network``) unless ``endpoint_override``
names it.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

group = cfg.OptGroup("network", title="Network backend options")
neutron_group = cfg.OptGroup("neutron", title="Neutron options")

EMBEDDED = "embedded"
NEUTRON = "neutron"

opts = [
    cfg.StrOpt(
        "backend",
        default=EMBEDDED,
        choices=[
            (EMBEDDED, "Mogan's own flat networks and IPAM (no Neutron needed)."),
            (NEUTRON, "Neutron: one port per server NIC, bound as bare metal."),
        ],
        help=(
            "Where servers get their ports and addresses. With neutron, "
            "[neutron] holds the credentials of Mogan's service user (it "
            "needs the service role: Neutron lets only that role set a "
            "port's binding profile) and, optionally, the endpoint."
        ),
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register ``[network]``, and ``[neutron]`` with keystoneauth's options."""
    conf.register_group(cfg.OptGroup(group.name, title=group.title))
    conf.register_opts(opts, group=group.name)
    # NOTE: a fresh group per ConfigOpts (see conf.placement).
    fresh = cfg.OptGroup(neutron_group.name, title=neutron_group.title)
    conf.register_group(fresh)
    ks_loading.register_session_conf_options(conf, fresh.name)
    ks_loading.register_auth_conf_options(conf, fresh.name)
    ks_loading.register_adapter_conf_options(conf, fresh.name)


def list_neutron_opts() -> list[cfg.Opt]:
    """Every ``[neutron]`` option, for the sample generator."""
    return [
        *ks_loading.get_session_conf_options(),
        *ks_loading.get_auth_common_conf_options(),
        *ks_loading.get_auth_plugin_conf_options("password"),
        *ks_loading.get_adapter_conf_options(include_deprecated=False),
    ]
