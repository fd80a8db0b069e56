"""``GET /v1/deploy_images/{token}``: Glance images at temporary URLs (public).

With ``[image] backend = glance``, a driver that fetches its image by URL
(redfish, fake, an Ironic with ``[ironic] image_source = url``) is handed
``<[deploy_media] base_url>/v1/deploy_images/<token>``: Glance's file store
has no temporary URLs of its own, and a BMC or an installer holds no
Keystone token. The token (``mogan.image.temp_url``) is sealed with Mogan's
secret key, names one image and expires after ``[glance] temp_url_ttl``;
it is the only credential, in every ``auth_strategy``. Mogan streams the
image from Glance as the ``[glance]`` service user, and only while the
image is ``active``: deleted, 404; deactivated, 400 naming it.

``Range: bytes=...`` (one range) is answered with 206 and
``Content-Range``, a range past the end with 416, as for deploy media;
HEAD gives the headers alone without reading the image.
"""

from typing import Annotated

import flask
import pydantic

from mogan.api import errors, router, state
from mogan.api.routes import deploy_media as media_route
from mogan.api.schemas import common
from mogan.services import deploy_image as image_svc

TAG = "deploy_images"
UNSATISFIABLE = 416
# NOTE: bounded as every path value is (longer: 400 naming ``token``).
Token = Annotated[str, pydantic.StringConstraints(max_length=common.MAX_NAME)]
OCTETS = "application/octet-stream"


@router.route("GET", "/v1/deploy_images/{token}", policy=None, tag=TAG)
def show_deploy_image(token: Token) -> flask.Response:
    """Download a Glance image at a temporary URL (no authentication).

    For BMCs, installers and Ironic. The URL comes from the engine (a
    deploy request) and works until it expires, while the image is
    active. ``Range: bytes=a-b`` (one range) is answered with 206 and
    ``Content-Range``, a range past the end with 416; HEAD gives the
    headers alone.
    """
    backends = state.server_backends()
    image = image_svc.find(backends.images, backends.sealer, token)
    try:
        wanted = media_route.byte_range(flask.request.headers.get("Range"), image.size)
    except ValueError as err:
        return errors.response(
            UNSATISFIABLE,
            str(err),
            "mogan.deploy_image.range_not_satisfiable",
            headers={"Content-Range": f"bytes */{image.size}"},
        )
    start, stop = wanted or (0, image.size)
    body = (
        image_svc.read(image, start, stop)
        if flask.request.method != "HEAD"
        else iter(())
    )
    resp = flask.Response(
        body,
        status=200 if wanted is None else 206,
        mimetype=OCTETS,
        direct_passthrough=True,
    )
    resp.headers["Content-Length"] = str(stop - start)
    resp.headers["Accept-Ranges"] = "bytes"
    # NOTE: the URL is a secret: no proxy or cache should keep the image.
    resp.headers["Cache-Control"] = "no-store"
    if wanted is not None:
        resp.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{image.size}"
    return resp
