"""Option discovery for ``oslo-config-generator`` (entry point ``mogan``).

Drivers' options are listed by the ``mogan.drivers`` namespace
(``mogan.drivers.loader.list_opts``), which asks every installed driver.
"""

from collections.abc import Sequence

from oslo_config import cfg

from mogan.conf import (
    api,
    database,
    default,
    deploy_media,
    engine,
    hardware,
    image,
    network,
    placement,
    quota,
    scheduler,
    server_action,
    upgrade_levels,
)


def list_opts() -> list[tuple[str | cfg.OptGroup | None, Sequence[cfg.Opt]]]:
    """Every Mogan option group, in sample-file order."""
    return [
        (None, default.opts),
        (api.group, api.opts),
        (database.group, database.opts),
        (deploy_media.group, deploy_media.opts),
        (engine.group, engine.opts),
        (image.glance_group, image.list_glance_opts()),
        (hardware.group, hardware.opts),
        (image.group, image.opts),
        (network.group, network.opts),
        (network.neutron_group, network.list_neutron_opts()),
        (placement.group, placement.list_opts()),
        (quota.group, quota.opts),
        (scheduler.group, scheduler.opts),
        (server_action.group, server_action.opts),
        (upgrade_levels.group, upgrade_levels.opts),
    ]
