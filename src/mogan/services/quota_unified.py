"""Limits from Keystone's unified limits, through oslo.limit.

``[quota] driver = unified_limits``: an operator registers Mogan's limits in
Keystone against Mogan's endpoint (``[oslo_limit] endpoint_id``, or its
service type and region) — registered limits are the cloud's defaults,
project limits the overrides. Names: ``servers``, ``server_groups``,
``server_group_members``, ``metadata_items``, ``keypairs``, ``floating_ips``
and ``class:<RESOURCE_CLASS>`` (``class:CUSTOM_BAREMETAL_GOLD``), as Nova
names classes. A name Keystone has no limit for falls back to the
``[quota]`` option (so a class nobody registered stays unlimited by default,
where oslo.limit alone would read "no limit" as zero).

Usage is still counted by Mogan under its own lock; only the limits come
from Keystone, read before the counting transaction (never while a
database lock is held).
"""

import dataclasses
import threading
from collections.abc import Collection
from typing import Any

from oslo_config import cfg
from oslo_limit import limit as oslo_limit

from mogan.db import session as db_session
from mogan.services import quota as quota_svc

CLASS_PREFIX = "class:"

# NOTE: oslo.limit reads [oslo_limit] only from the global cfg.CONF; Mogan
# passes its own ConfigOpts around, so the same files are parsed into the
# global one, once per process.
_GLOBAL_LOCK = threading.Lock()


def _configure_global(conf: cfg.ConfigOpts) -> None:
    with _GLOBAL_LOCK:
        cfg.CONF(
            args=[],
            project="mogan",
            default_config_files=list(conf.config_file or []),
            default_config_dirs=list(conf.config_dir or []),
        )


def keystone_name(resource: str) -> str:
    """The Keystone resource name of a Mogan quota resource."""
    return resource if resource in quota_svc.NAMED else CLASS_PREFIX + resource


def mogan_name(resource: str) -> str:
    """The Mogan quota resource of a Keystone resource name."""
    return resource.removeprefix(CLASS_PREFIX)


class UnifiedLimits:
    """Limits read from Keystone; defaults from ``[quota]`` where none is set."""

    editable = False

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        """Point oslo.limit at the configuration's ``[oslo_limit]`` section."""
        self.fallback = quota_svc.DatabaseLimits(conf)
        _configure_global(conf)

    def limits(
        self, database: db_session.Database, project_id: str
    ) -> quota_svc.Effective:
        """Keystone's registered and project limits over the ``[quota]`` defaults."""
        del database
        enforcer = _enforcer()
        found = dict(enforcer.get_registered_limits(None))
        found.update(dict(enforcer.get_project_limits(project_id, None)))
        defaults = self.fallback.defaults()
        values = {
            **defaults.values,
            **{mogan_name(name): int(value) for name, value in found.items()},
        }
        return dataclasses.replace(defaults, values=values)


def _enforcer() -> Any:
    """A fresh enforcer, caching only within itself.

    One per call: limits an admin changes in Keystone apply to the next
    request. Typed ``Any``: its wrappers declare collections of names, but
    (documented) ``None`` asks for every limit, which is what is needed to
    tell "no limit registered" from a limit of zero.
    """
    return oslo_limit.Enforcer(_no_usage, cache=True)


def _no_usage(project_id: str | None, resources: Collection[str]) -> dict[str, int]:
    """Mogan counts usage itself; oslo.limit's enforce() is never called."""
    del project_id
    return dict.fromkeys(resources, 0)
