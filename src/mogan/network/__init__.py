"""Network backends: where servers get ports and addresses.

``base`` declares the interface; ``ipam`` is the address arithmetic;
``embedded`` is the built-in flat IPAM (no Neutron needed); a Neutron
backend implements the same interface later. ``get_backend`` is the one
place that chooses.
"""

from oslo_config import cfg

from mogan.network import base, embedded


def get_backend(conf: cfg.ConfigOpts) -> base.NetworkBackend:
    """The network backend the configuration asks for.

    Only the embedded backend exists so far, so ``conf`` is not consulted.
    """
    # TODO(#3): choose Neutron when [neutron] is configured.
    del conf
    return embedded.EmbeddedNetworkBackend()
