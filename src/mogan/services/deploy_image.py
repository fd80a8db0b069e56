"""Temporary image URLs: the image a token names, and its bytes from Glance.

``mogan.image.temp_url`` makes and opens the tokens; this is what the
``/v1/deploy_images/{token}`` route asks: which image (still active, its
size) and a byte range of it, read from Glance as the service user.

What must not live here: HTTP (``mogan.api.routes.deploy_image``).
"""

import dataclasses
import logging
from collections.abc import Iterator

from mogan import crypto, exception
from mogan.image import base as image_base
from mogan.image import glance, glance_client, temp_url

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class DeployImage:
    """An image a valid temporary URL names, while it is active."""

    image_id: str
    size: int
    backend: glance.GlanceImageBackend


def find(
    images: image_base.ImageBackend, sealer: crypto.Sealer, token: str
) -> DeployImage:
    """The image ``token`` names, if it is still deployable.

    Raises:
        DeployImageNotFound: not a valid, unexpired token of Mogan's; the
            image backend is not Glance; the image is gone.
        ImageUnusable: the image is no longer active.
        ImageServiceUnavailable: Glance cannot answer.
    """
    if not isinstance(images, glance.GlanceImageBackend):
        raise exception.DeployImageNotFound
    image_id = temp_url.open_token(sealer, token)
    record = images.deployable(image_id)
    return DeployImage(
        image_id=image_id, size=int(record.get("size") or 0), backend=images
    )


def read(image: DeployImage, start: int, stop: int) -> Iterator[bytes]:
    """The bytes ``[start, stop)`` of ``image``, streamed from Glance.

    Glance is asked before the first chunk is yielded; a failure then
    raises. Past that the response headers are sent, so a failure ends the
    body early (HTTP clients see it shorter than announced) and is logged.

    Raises:
        DeployImageNotFound: the image went meanwhile.
        ImageServiceUnavailable: Glance refused or cannot answer.
    """
    whole = start == 0 and stop == image.size
    download = image.backend.download(
        image.image_id, None if whole else f"bytes={start}-{stop - 1}"
    )
    return _stream(image.image_id, download)


def _stream(image_id: str, download: glance_client.Download) -> Iterator[bytes]:
    try:
        yield from download.chunks
    except OSError:
        # NOTE: requests' errors are OSErrors; the headers are sent, so a
        # short body is the only signal left (raising would have the WSGI
        # server log the URL, token and all).
        LOG.exception("reading image %s from Glance failed", image_id)
    finally:
        download.close()
