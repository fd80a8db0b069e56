"""Options of the ``[quota]`` group: per-project (and per-user) limits.

These are the defaults; an admin overrides them per project through
``/v1/quotas/{project_id}`` (stored in the database), or, with ``driver =
unified_limits``, Keystone holds every limit (registered limits as defaults,
project limits as overrides) and these options are not read.
"""

from oslo_config import cfg

group = cfg.OptGroup("quota", title="Quota options")

# NOTE: an upper bound for every limit, defaults and overrides alike, so a
# count compared with it always fits the database's integers.
MAX_LIMIT = 2**31 - 1

opts = [
    cfg.StrOpt(
        "driver",
        default="database",
        choices=[
            ("database", "Defaults from these options, overrides in Mogan's DB."),
            (
                "unified_limits",
                (
                    "Keystone unified limits through oslo.limit: registered "
                    "limits are the defaults, project limits the overrides "
                    "(configure [oslo_limit]). Usage is still counted by Mogan."
                ),
            ),
        ],
        help="Where limits come from.",
    ),
    cfg.IntOpt(
        "servers_hard_limit",
        default=10,
        min=-1,
        max=MAX_LIMIT,
        help="Servers each project may have; -1 means unlimited.",
    ),
    cfg.IntOpt(
        "resource_class_hard_limit",
        default=-1,
        min=-1,
        max=MAX_LIMIT,
        help=(
            "Servers of each resource class a project may have, for classes "
            "not listed in resource_class_hard_limits; -1 means unlimited."
        ),
    ),
    cfg.DictOpt(
        "resource_class_hard_limits",
        default={},
        help=(
            "Per resource class limits, as ``CLASS:N`` pairs, e.g. "
            "``CUSTOM_BAREMETAL_GOLD:4,CUSTOM_BAREMETAL_SILVER:20``. A class "
            "may be spelled as Placement names it (CUSTOM_BAREMETAL_GOLD) or "
            "as nodes do (baremetal-gold)."
        ),
    ),
    cfg.IntOpt(
        "server_groups_hard_limit",
        default=10,
        min=-1,
        max=MAX_LIMIT,
        help="Server groups each project may have; -1 means unlimited.",
    ),
    cfg.IntOpt(
        "server_group_members_hard_limit",
        default=10,
        min=-1,
        max=MAX_LIMIT,
        help="Servers each server group may hold; -1 means unlimited.",
    ),
    cfg.IntOpt(
        "metadata_items_hard_limit",
        default=128,
        min=-1,
        max=MAX_LIMIT,
        help="Metadata items each server may carry; -1 means unlimited.",
    ),
    cfg.IntOpt(
        "keypairs_hard_limit",
        default=100,
        min=-1,
        max=MAX_LIMIT,
        help="Keypairs each user may hold; -1 means unlimited.",
    ),
    cfg.IntOpt(
        "floating_ips_hard_limit",
        default=10,
        min=-1,
        max=MAX_LIMIT,
        help=(
            "Floating IPs each project may hold on the embedded network "
            "backend's external networks; -1 means unlimited. (With Neutron, "
            "Neutron's own quota applies.)"
        ),
    ),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    """Register the ``[quota]`` options."""
    # NOTE: a fresh group per ConfigOpts: oslo.config copies a registered
    # group shallowly, so overrides would leak between configurations.
    fresh = cfg.OptGroup(group.name, title=group.title)
    conf.register_group(fresh)
    conf.register_opts(opts, group=fresh)
