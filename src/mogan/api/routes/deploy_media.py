"""``GET /v1/deploy_media/{token}``: media a BMC boots from (public).

A driver deploying by virtual media (Redfish) publishes a medium it built,
the config drive ISO, and tells the BMC to insert
``<[deploy_media] base_url>/v1/deploy_media/<token>``. A BMC holds no
Keystone token and sends no credentials, so this route asks for none, in
every ``auth_strategy``: the token in the path is the authority. It is 32
random bytes, unguessable, stored only as a hash, valid until the medium
expires or is withdrawn (then 404), and replaced when the medium is
published again. The request log shows only its first characters. A
path value that is not a token is 404 too (past 255 characters: 400, the
bound every path value has).

BMCs read ISOs in ranges, so ``Range: bytes=...`` is honoured (one range:
206 with ``Content-Range``; one that starts past the end: 416); any other
range header is ignored (200, the whole medium), as RFC 9110 allows. HEAD
answers the headers alone (Flask serves HEAD for every GET route).

Served at every microversion: a BMC sends no version header.
"""

from typing import Annotated

import flask
import pydantic
from werkzeug import http

from mogan.api import errors, router, state
from mogan.api.schemas import common
from mogan.services import deploy_media as media_svc

TAG = "deploy_media"
UNSATISFIABLE = 416
# NOTE: bounded as every path value is (longer: 400 naming ``token``); any
# other string that is not a token is 404, before the database is asked.
Token = Annotated[str, pydantic.StringConstraints(max_length=common.MAX_NAME)]


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one ``[start, stop)`` a ``Range`` header asks of ``size`` bytes.

    Returns:
        None to serve everything: no header, a malformed one, another unit
        or several ranges.

    Raises:
        ValueError: a single byte range that ``size`` bytes cannot satisfy.
    """
    if not header:
        return None
    parsed = http.parse_range_header(header)
    if parsed is None or parsed.units != "bytes" or len(parsed.ranges) != 1:
        return None
    start, stop = parsed.ranges[0]
    if start < 0:
        # NOTE: a suffix longer than the medium means all of it (RFC 9110
        # 14.1.2); werkzeug calls that unsatisfiable.
        start = max(size + start, 0)
    if start >= size:
        msg = f"range starts at {start}, past the end ({size} bytes)"
        raise ValueError(msg)
    return start, min(stop, size) if stop is not None else size


@router.route("GET", "/v1/deploy_media/{token}", policy=None, tag=TAG)
def show_deploy_medium(token: Token) -> flask.Response:
    """Download a deploy medium (no authentication: the token is the authority).

    For BMCs. The URL comes from the driver that published the medium and
    works until the medium expires or is withdrawn. ``Range: bytes=a-b``
    (one range) is answered with 206 and ``Content-Range``, a range past
    the end with 416; HEAD gives the headers alone.
    """
    database = state.app_state().database
    medium = media_svc.find(database, token)
    try:
        wanted = byte_range(flask.request.headers.get("Range"), medium.size)
    except ValueError as err:
        return errors.response(
            UNSATISFIABLE,
            str(err),
            "mogan.deploy_media.range_not_satisfiable",
            headers={"Content-Range": f"bytes */{medium.size}"},
        )
    start, stop = wanted or (0, medium.size)
    body = (
        media_svc.read(database, medium, start, stop)
        if flask.request.method != "HEAD"
        else iter(())
    )
    resp = flask.Response(
        body,
        status=200 if wanted is None else 206,
        mimetype=medium.content_type,
        direct_passthrough=True,
    )
    resp.headers["Content-Length"] = str(stop - start)
    resp.headers["Accept-Ranges"] = "bytes"
    # NOTE: the URL is a secret: no proxy or cache should keep the medium.
    resp.headers["Cache-Control"] = "no-store"
    resp.last_modified = medium.created_at
    if wanted is not None:
        resp.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{medium.size}"
    return resp
