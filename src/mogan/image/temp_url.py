"""Temporary image URLs: signed, expiring tokens naming one Glance image.

A BMC (or a driver, or an Ironic without Glance) fetching an image by URL
holds no Keystone token, and Glance's file store has no Swift-style
temporary URLs. So Mogan issues its own: ``<[deploy_media] base_url>
/v1/deploy_images/<token>``, where the token is a Fernet token sealed with
``[DEFAULT] secret_key`` (shared by API and engine processes) over
``{"p": "image", "i": <image id>, "e": <expiry>}``. Mogan's API opens it
and streams the image from Glance as the ``[glance]`` service user.

Nothing is stored: a token cannot be revoked before it expires (as a
Swift temporary URL), so its lifetime (``[glance] temp_url_ttl``) is kept
short; deleting or deactivating the image stops it at once (the API checks
the image's status on each request). The purpose field keeps other sealed
values (admin passwords in workflow rows) from ever being taken for a
token.

What must not live here: HTTP (``mogan.api.routes.deploy_image``), Glance
(``mogan.image.glance_client``).
"""

import json
import time

from mogan import crypto, exception

PATH = "/v1/deploy_images/"
PURPOSE = "image"
MAX_TOKEN = 255
"""Longest token accepted (a path value's bound); real ones are ~170."""


def mint(
    sealer: crypto.Sealer,
    base_url: str,
    image_id: str,
    ttl: float,
    now: float | None = None,
) -> str:
    """A URL serving ``image_id`` for ``ttl`` seconds from ``now``."""
    expires = int((time.time() if now is None else now) + ttl)
    sealed = sealer.seal(
        json.dumps({"p": PURPOSE, "i": image_id, "e": expires}, sort_keys=True)
    )
    token = (sealed or "")[len(crypto.PREFIX) :]
    return f"{base_url.rstrip('/')}{PATH}{token}"


def open_token(sealer: crypto.Sealer, token: str, now: float | None = None) -> str:
    """The image id a token names, while it is valid.

    Raises:
        DeployImageNotFound: not a token of Mogan's keys, not an image
            token, or expired.
    """
    if not token or len(token) > MAX_TOKEN:
        raise exception.DeployImageNotFound
    try:
        payload = json.loads(sealer.open(crypto.PREFIX + token) or "null")
    except (crypto.SecretUnreadable, ValueError) as err:
        raise exception.DeployImageNotFound from err
    if not isinstance(payload, dict) or payload.get("p") != PURPOSE:
        raise exception.DeployImageNotFound
    image_id, expires = payload.get("i"), payload.get("e")
    if not isinstance(image_id, str) or not isinstance(expires, int):
        raise exception.DeployImageNotFound
    if expires < (time.time() if now is None else now):
        raise exception.DeployImageNotFound
    return image_id
