"""Which quota limit source the configuration chose (``[quota] driver``).

Apart from ``quota`` so that ``quota_unified`` (which builds on ``quota``)
is imported only here, and only when chosen: no import cycle.
"""

from oslo_config import cfg

from mogan.services import quota as quota_svc


def source(conf: cfg.ConfigOpts) -> quota_svc.LimitSource:
    """The configured limit source."""
    if conf.quota.driver == "unified_limits":
        # NOTE: imported only when chosen: it needs oslo.limit and Keystone.
        from mogan.services import quota_unified  # noqa: PLC0415

        unified: quota_svc.LimitSource = quota_unified.UnifiedLimits(conf)
        return unified
    return quota_svc.DatabaseLimits(conf)
