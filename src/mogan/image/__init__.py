"""Image backends: where deploy images come from.

``base`` declares the interface; ``embedded`` is the built-in catalogue (no
Glance needed); ``glance`` reads Glance with the caller's token.
``get_backend`` is the one place that chooses, from ``[image] backend``.
"""

from oslo_config import cfg

from mogan.conf import image as image_conf
from mogan.image import base, embedded, glance


def get_backend(conf: cfg.ConfigOpts) -> base.ImageBackend:
    """The image backend ``[image] backend`` names (nothing is sent yet)."""
    if conf.image.backend == image_conf.GLANCE:
        return glance.from_conf(conf)
    return embedded.EmbeddedImageBackend()
