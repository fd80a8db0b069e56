"""The installer target: a system that boots Mogan's installer ISO installs.

When a system boots from its virtual CD and the CD holds an ISO labelled
``LABEL``, the boot runs the installer, as a real installer ramdisk would:

1. it reads ``mogan/install.json`` from the removable medium, an ISO
   labelled ``config-2`` (the deploy's config drive);
2. it downloads the image URL and checks its checksum (``checksum``
   ``{algorithm, value}``, or a ``checksum_url`` file of ``<hex>  <name>``
   lines);
3. after ``delays["install"]`` it writes the image and the config drive
   (the medium's files but ``mogan/``) to the disk, recorded as the
   system's ``disk``, and powers the system off.

Any failure (no instructions, a download error, a checksum mismatch, a
scripted ``install`` fault) leaves the system on with the error in its
``install`` record and nothing written, as a failed installer would; a
power off while installing aborts it. A later boot from the disk boots
what was written (``last_boot.image``).

ISO files are read from sushy-tools' downloads (its virtual-media state
keeps each inserted image's local copy) through their Joliet names, with
the standard library only: the emulator's venv has sushy-tools alone.
"""

import hashlib
import json
import pathlib
import posixpath
import urllib.request
from collections.abc import Callable
from typing import Any

from .state import STORE

LABEL = "MOGAN-INSTALLER"
CONFIG_LABEL = "config-2"
INSTRUCTIONS = "mogan/install.json"
KNOWN_VERSION = 1
DOWNLOAD_TIMEOUT = 20.0
SECTOR = 2048
JOLIET_ESCAPES = (b"%/@", b"%/C", b"%/E")


# ---------------------------------------------------------------- ISO 9660


def _descriptors(data: bytes) -> list[bytes]:
    """The volume descriptors (from sector 16 to the terminator)."""
    found = []
    sector = 16
    while (sector + 1) * SECTOR <= len(data):
        desc = data[sector * SECTOR : (sector + 1) * SECTOR]
        if desc[1:6] != b"CD001":
            break
        found.append(desc)
        if desc[0] == 255:
            break
        sector += 1
    if not found:
        raise ValueError("not an ISO 9660 image")
    return found


def iso_label(data: bytes) -> str:
    """The volume label of an ISO image (its primary descriptor's)."""
    for desc in _descriptors(data):
        if desc[0] == 1:
            return desc[40:72].decode("ascii", "replace").strip()
    raise ValueError("no primary volume descriptor")


def _extent(data: bytes, record: bytes) -> bytes:
    start = int.from_bytes(record[2:6], "little") * SECTOR
    return data[start : start + int.from_bytes(record[10:14], "little")]


def _walk(data: bytes, record: bytes, prefix: str, out: dict[str, bytes]) -> None:
    body = _extent(data, record)
    offset = 0
    while offset < len(body):
        size = body[offset]
        if size == 0:
            # NOTE: records never cross a sector; the rest of it is padding.
            offset = (offset // SECTOR + 1) * SECTOR
            continue
        entry = body[offset : offset + size]
        offset += size
        raw = entry[33 : 33 + entry[32]]
        if raw in {b"\x00", b"\x01"}:
            continue
        name = raw.decode("utf-16-be").split(";", 1)[0]
        path = posixpath.join(prefix, name) if prefix else name
        if entry[25] & 2:
            _walk(data, entry, path, out)
        else:
            out[path] = _extent(data, entry)


def iso_files(data: bytes) -> dict[str, bytes]:
    """Every file of an ISO image by its Joliet path (``a/b/c.json``).

    Raises:
        ValueError: not an ISO image, or one without Joliet names.
    """
    for desc in _descriptors(data):
        if desc[0] == 2 and desc[88:120].startswith(JOLIET_ESCAPES):
            files: dict[str, bytes] = {}
            _walk(data, desc[156:190], "", files)
            return files
    raise ValueError("the ISO has no Joliet names")


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        return pathlib.Path(path).read_bytes()
    except OSError:
        return None


# ---------------------------------------------------------------- install


class InstallFailed(Exception):
    """The installer cannot go on (the message says why)."""


def is_installer(system_uuid: str) -> bool:
    """Whether the system's CD holds the installer ISO."""
    data = _read(STORE.media_file(system_uuid, "Cd"))
    if data is None:
        return False
    try:
        return iso_label(data) == LABEL
    except ValueError:
        return False


def _instructions(system_uuid: str) -> tuple[dict[str, Any], dict[str, str]]:
    """(install.json, the config drive's other files) from the removable medium."""
    data = _read(STORE.media_file(system_uuid, "Floppy"))
    if data is None:
        raise InstallFailed("no removable medium: no install instructions")
    try:
        if iso_label(data) != CONFIG_LABEL:
            raise InstallFailed(f"the removable medium is not labelled {CONFIG_LABEL}")
        files = iso_files(data)
    except ValueError as err:
        raise InstallFailed(f"the removable medium: {err}") from err
    if INSTRUCTIONS not in files:
        raise InstallFailed(f"no {INSTRUCTIONS} on the {CONFIG_LABEL} medium")
    try:
        instructions = json.loads(files[INSTRUCTIONS])
    except ValueError as err:
        raise InstallFailed(f"{INSTRUCTIONS}: {err}") from err
    if instructions.get("version") != KNOWN_VERSION:
        raise InstallFailed(f"{INSTRUCTIONS}: unknown version")
    drive = {
        path: body.decode("utf-8", "replace")
        for path, body in files.items()
        if not path.startswith("mogan/")
    }
    return instructions, drive


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as answer:  # noqa: S310 - test URLs
            return bytes(answer.read())
    except OSError as err:
        raise InstallFailed(f"cannot download {url}: {err}") from err


def _expected(instructions: dict[str, Any]) -> tuple[str, str] | None:
    """(algorithm, hex digest) the image must have; None: no checksum."""
    checksum = instructions.get("checksum")
    if checksum:
        return str(checksum["algorithm"]), str(checksum["value"]).lower()
    url = instructions.get("checksum_url")
    if not url:
        return None
    name = posixpath.basename(instructions["image_url"].split("?", 1)[0])
    lines = [
        line.split()
        for line in _download(url).decode("utf-8", "replace").splitlines()
        if line.strip()
    ]
    for words in lines:
        if (len(words) == 1 and len(lines) == 1) or words[-1].lstrip("*") == name:
            digest = words[0].lower()
            algo = {32: "md5", 64: "sha256", 128: "sha512"}.get(len(digest))
            if algo:
                return algo, digest
    raise InstallFailed(f"{url} has no checksum of {name}")


def _verify(instructions: dict[str, Any], image: bytes) -> bool:
    """Whether a checksum was checked (raises when it does not match)."""
    expected = _expected(instructions)
    if expected is None:
        return False
    algo, digest = expected
    if algo not in {"md5", "sha256", "sha512"}:
        raise InstallFailed(f"unknown checksum algorithm {algo}")
    actual = hashlib.new(algo, image).hexdigest()
    if actual != digest:
        raise InstallFailed(
            f"checksum mismatch: the image's {algo} is {actual}, not {digest}"
        )
    return True


def _scripted(system_uuid: str) -> None:
    """A scripted ``install`` fault: writing the disk fails."""
    fault = STORE.take_fault("install", system_uuid)
    if fault is not None:
        raise InstallFailed(fault.get("message") or "scripted failure: install")


def start(system: dict[str, Any], now: float) -> None:
    """The installer booted: read, download, check; finish after the delay.

    Called with ``STORE.lock`` held, from the boot.
    """
    record: dict[str, Any] = {
        "state": "running",
        "started": now,
        "until": now + STORE.delays["install"],
        "instructions": None,
        "error": None,
    }
    system["install"] = record
    try:
        instructions, drive = _instructions(system["uuid"])
        record["instructions"] = instructions
        image = _download(instructions["image_url"])
        verified = _verify(instructions, image)
        _scripted(system["uuid"])
    except InstallFailed as err:
        record["state"] = "failed"
        record["error"] = str(err)
        record["until"] = None
        return
    record["disk"] = {
        "image_url": instructions["image_url"],
        "disk_format": instructions.get("disk_format"),
        "size": len(image),
        "sha256": hashlib.sha256(image).hexdigest(),
        "checksum": instructions.get("checksum"),
        "checksum_verified": verified,
        "root_device": instructions.get("root_device"),
        "config_drive": drive,
    }


def tick(system: dict[str, Any], now: float, power_off: Callable[[], None]) -> None:
    """Finish a running install that became due: write the disk, power off."""
    record = system.get("install")
    if not record or record["state"] != "running" or now < record["until"]:
        return
    record["state"] = "done"
    record["finished"] = now
    system["disk"] = dict(record.pop("disk"), written_at=now)
    power_off()


def abort(system: dict[str, Any], now: float) -> None:
    """The power went off while installing: nothing is written."""
    record = system.get("install")
    if record and record["state"] == "running":
        record["state"] = "aborted"
        record["error"] = "powered off while installing"
        record["until"] = None
        record.pop("disk", None)
        record["finished"] = now
