"""The config drive as Ironic takes it, from the engine's ``{path: text}`` mapping.

Two forms (``[ironic] configdrive_format``):

- ``iso`` (default): an ISO 9660 image labelled ``config-2`` with Rock Ridge
  and Joliet names (what ``genisoimage -J -r -V config-2`` makes, as Nova and
  v1 did), gzip-compressed and base64-encoded: every file of the mapping,
  injected files included, works with any Ironic version;
- ``json``: ``{"meta_data", "network_data", "user_data", "vendor_data"}``
  from the ``openstack/latest`` files; Ironic (API 1.56+, 1.59+ with
  ``vendor_data``) builds the image itself. NOTE: Ironic (through
  openstacksdk's ``configdrive.build``) writes ``vendor_data`` to
  ``openstack/<ver>/vendor_data2.json``, not ``vendor_data.json``:
  cloud-init's ConfigDrive datasource reads that file from 22.2 on, so
  older guests see no vendor data in this form (the ISO keeps the name).

The VIFs to attach are not read from the drive: they come with the deploy
request's NICs (``DeployRequest.nics``).
"""

import base64
import gzip
import io
import json
from typing import Any

import pycdlib

LABEL = "config-2"
PUBLISHER = "Mogan"
LATEST = "openstack/latest"


def build_iso(files: dict[str, str]) -> str:
    """The config drive image, gzip-compressed and base64-encoded.

    Args:
        files: drive content, path (``openstack/latest/meta_data.json`` ...)
            to text.

    Returns:
        The base64 text Ironic takes as ``configdrive``.
    """
    iso = pycdlib.PyCdlib()
    iso.new(
        interchange_level=3,
        vol_ident=LABEL,
        pub_ident_str=PUBLISHER,
        joliet=3,
        rock_ridge="1.09",
    )
    # NOTE: ISO 9660 names are short upper-case codes (``D0001``,
    # ``F0001.;1``); the real names live in the Rock Ridge and Joliet
    # records, which is what Linux (and cloud-init) reads.
    short: dict[str, str] = {"": ""}
    counter = 0

    def directory(path: str) -> str:
        nonlocal counter
        if path in short:
            return short[path]
        parent, _, name = path.rpartition("/")
        base = directory(parent)
        counter += 1
        short[path] = f"{base}/D{counter:04d}"
        iso.add_directory(short[path], rr_name=name, joliet_path=f"/{path}")
        return short[path]

    for path in sorted(files):
        parent, _, name = path.strip("/").rpartition("/")
        base = directory(parent)
        data = files[path].encode("utf-8")
        counter += 1
        iso.add_fp(
            io.BytesIO(data),
            len(data),
            f"{base}/F{counter:04d}.;1",
            rr_name=name,
            joliet_path=f"/{path.strip('/')}",
        )
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return base64.b64encode(gzip.compress(out.getvalue())).decode("ascii")


def build_json(files: dict[str, str]) -> dict[str, Any]:
    """The config drive as Ironic's JSON form (injected files are left out).

    Args:
        files: drive content, path to text.

    Returns:
        ``{"meta_data": {...}, "network_data": {...}, "user_data": "...",
        "vendor_data": {...}}`` with only the parts present.
    """
    drive: dict[str, Any] = {}
    for key, name in (
        ("meta_data", "meta_data.json"),
        ("network_data", "network_data.json"),
        ("vendor_data", "vendor_data.json"),
    ):
        text = files.get(f"{LATEST}/{name}")
        if text is not None:
            drive[key] = json.loads(text)
    if f"{LATEST}/user_data" in files:
        drive["user_data"] = files[f"{LATEST}/user_data"]
    return drive


def read_iso(encoded: str) -> dict[str, str]:
    """The files of an image ``build_iso`` made (for tests and debugging).

    Args:
        encoded: the base64 text.

    Returns:
        Path (Rock Ridge names) to text.
    """
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(gzip.decompress(base64.b64decode(encoded))))
    try:
        found: dict[str, str] = {}
        for root, _, names in iso.walk(rr_path="/"):
            for name in names:
                path = f"{root.rstrip('/')}/{name}"
                out = io.BytesIO()
                iso.get_file_from_iso_fp(out, rr_path=path)
                found[path.lstrip("/")] = out.getvalue().decode("utf-8")
        return found
    finally:
        iso.close()


def volume_label(encoded: str) -> str:
    """The volume label of an image ``build_iso`` made."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(gzip.decompress(base64.b64decode(encoded))))
    try:
        return bytes(iso.pvd.volume_identifier).decode("ascii").strip()
    finally:
        iso.close()
