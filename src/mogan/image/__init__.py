"""Image backends: where deploy images come from.

``base`` declares the interface; ``embedded`` is the built-in catalogue (no
Glance needed); a Glance backend implements the same interface later.
``get_backend`` is the one place that chooses.
"""

from oslo_config import cfg

from mogan.image import base, embedded


def get_backend(conf: cfg.ConfigOpts) -> base.ImageBackend:
    """The image backend the configuration asks for.

    Only the embedded backend exists so far, so ``conf`` is not consulted.
    """
    # TODO(#3): choose Glance when [glance] is configured.
    del conf
    return embedded.EmbeddedImageBackend()
