"""A loopback HTTP server for the files a BMC downloads (ISOs, firmware images).

The emulator really fetches virtual-media and firmware image URLs, so tests
serve them from here: ``add`` bytes (or ``add_iso`` a tiny ISO 9660 image
built with pycdlib, ``add_installer`` one the emulator boots as Mogan's
installer) and get a URL; ``downloads`` counts the requests per
path; ``fail`` makes a path answer an error status. No pytest here
(``tools/redfish-dev`` uses it too).
"""

import collections
import http.server
import io
import threading
from typing import Any

import pycdlib

INSTALLER_LABEL = "MOGAN-INSTALLER"
"""The volume label the emulator's installer target boots as an installer.

NOTE: ``emulator/installer.py`` has its own copy (the emulator imports
nothing of the tests).
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    server: "_Server"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        files = self.server.owner
        path = self.path.split("?", 1)[0]
        with files.lock:
            files.downloads[path] += 1
            status = files.failures.get(path)
            data = files.files.get(path)
        if status is None and data is None:
            status = 404
        if status is not None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep quiet (the server's owner counts downloads)."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner: "FileServer"


class FileServer:
    """Files on ``http://127.0.0.1:<port>/`` until ``stop``."""

    def __init__(self) -> None:
        """Bind a free loopback port and serve on a daemon thread."""
        self.files: dict[str, bytes] = {}
        self.failures: dict[str, int] = {}
        self.downloads: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            # NOTE: stop() waits up to one poll interval (0.5 s by default).
            kwargs={"poll_interval": 0.02},
            name="mogan-file-server",
            daemon=True,
        )
        self._thread.start()

    def add(self, name: str, data: bytes) -> str:
        """Serve ``data`` at ``/<name>``; its URL."""
        path = "/" + name.lstrip("/")
        with self.lock:
            self.files[path] = data
            self.failures.pop(path, None)
        return self.url + path

    def add_iso(
        self, name: str, files: dict[str, bytes] | None = None, label: str = "MOGAN"
    ) -> str:
        """Serve a small ISO 9660 image holding ``files``; its URL."""
        return self.add(name, make_iso(files or {"README.TXT": b"mogan test\n"}, label))

    def add_installer(self, name: str = "installer.iso") -> str:
        """Serve an installer ISO (what ``[redfish] installer_iso_url`` names)."""
        return self.add_iso(
            name, {"README.TXT": b"mogan test installer\n"}, INSTALLER_LABEL
        )

    def fail(self, name: str, status: int = 404) -> str:
        """Make ``/<name>`` answer ``status``; its URL."""
        path = "/" + name.lstrip("/")
        with self.lock:
            self.failures[path] = status
        return self.url + path

    def count(self, name: str) -> int:
        """How many times ``/<name>`` was requested."""
        with self.lock:
            return self.downloads["/" + name.lstrip("/")]

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def make_iso(files: dict[str, bytes], label: str = "MOGAN") -> bytes:
    """An ISO 9660 (Joliet) image holding ``files`` at its root."""
    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=3, joliet=3, vol_ident=label)
    for index, (name, data) in enumerate(sorted(files.items())):
        # NOTE: short ISO 9660 names; the real ones are in the Joliet records.
        iso.add_fp(
            io.BytesIO(data), len(data), f"/F{index:04d}.;1", joliet_path=f"/{name}"
        )
    out = io.BytesIO()
    iso.write_fp(out)
    iso.close()
    return out.getvalue()
