"""The OpenStack config drive as a raw ISO 9660 image (label ``config-2``).

Built from the engine's ``{path: text}`` mapping with Rock Ridge and Joliet
names (what ``genisoimage -J -r -V config-2`` makes, as Nova does), so
cloud-init's ConfigDrive datasource finds every file. Drivers hand it over
as they need: the Ironic driver gzip + base64-encodes it
(``ironic_configdrive``), the Redfish driver serves it to the BMC as a
virtual medium.

What must not live here: how a backend takes the image (each driver's own).
"""

import io

import pycdlib

LABEL = "config-2"
PUBLISHER = "Mogan"


def build(files: dict[str, str]) -> bytes:
    """The config drive image.

    Args:
        files: drive content, path (``openstack/latest/meta_data.json`` ...)
            to text.

    Returns:
        The ISO 9660 image's bytes.
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
    return out.getvalue()


def read(image: bytes) -> dict[str, str]:
    """The files of an image ``build`` made (for tests and debugging).

    Returns:
        Path (Rock Ridge names) to text.
    """
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
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


def label(image: bytes) -> str:
    """The volume label of an image."""
    iso = pycdlib.PyCdlib()
    iso.open_fp(io.BytesIO(image))
    try:
        return bytes(iso.pvd.volume_identifier).decode("ascii").strip()
    finally:
        iso.close()
