"""Network backends: where servers get ports and addresses.

``base`` declares the interface; ``ipam`` is the address arithmetic;
``embedded`` is the built-in flat IPAM (no Neutron needed); ``neutron``
makes Neutron ports bound as bare metal (``neutron_client`` is its HTTP).
``get_backend`` is the one place that chooses, from ``[network] backend``.
"""

from oslo_config import cfg

from mogan.conf import network as network_conf
from mogan.network import base, embedded


def get_backend(conf: cfg.ConfigOpts) -> base.NetworkBackend:
    """The network backend ``[network] backend`` names."""
    if conf.network.backend == network_conf.NEUTRON:
        # NOTE: imported here so the embedded default loads no Neutron code.
        from mogan.network import neutron  # noqa: PLC0415

        return neutron.NeutronNetworkBackend(conf)
    return embedded.EmbeddedNetworkBackend()
