"""``server.hardware`` results read from what the engine stores, in any form.

``servers.hardware_result`` is the engine's column (issue 11): until it is
there, or written, every section asked for is pending; once written, each
section shows applied or failed with the message, and admins see what the
node ended up with.
"""

from mogan.api import hardware_view
from mogan.db import models

REQUESTED = {
    "profile": "5e0c3a8e-2a4f-4a53-9d6b-7a2d3c7f0a11",
    "raid": {"logical_disks": [{"size_gb": "MAX", "raid_level": "1"}]},
    "bios": {"settings": {"ProcTurboMode": "Disabled"}},
    "bonds": [{"network": 0, "mode": "802.3ad", "links": 2}],
}


def server(result: object = None) -> models.Server:
    """A server row (not persisted) with the request and, maybe, results."""
    row = models.Server(uuid="s", name="s", hardware=REQUESTED)
    if result is not None:
        # NOTE: as the engine's column would hold it.
        row.hardware_result = result  # type: ignore[attr-defined]
    return row


def results(view) -> dict[str, tuple[str, str | None]]:
    """Section → (status, message) of a view."""
    return {k: (v.status, v.message) for k, v in view.result.items()}


def test_no_result_yet_every_section_pending():
    """Sections asked for are pending; partitions and profile have no result."""
    view = hardware_view.view(server(), admin=True)
    assert results(view) == {
        "raid": ("pending", None),
        "bios": ("pending", None),
        "bonds": ("pending", None),
    }
    assert view.profile == REQUESTED["profile"]
    assert view.node is None


def test_hardware_result_dump_form():
    """A ``HardwareResult`` dump (sections with applied/error) is read."""
    stored = {
        "sections": [
            {"section": "raid", "applied": True, "error": None},
            {
                "section": "bios",
                "applied": False,
                "error": "ProcTurboMode is read-only",
            },
        ],
        "node": {"raid_config": {"logical_disks": []}},
    }
    view = hardware_view.view(server(stored), admin=True)
    assert results(view) == {
        "raid": ("applied", None),
        "bios": ("failed", "ProcTurboMode is read-only"),
        "bonds": ("pending", None),
    }
    assert view.node == {"raid_config": {"logical_disks": []}}
    member_view = hardware_view.view(server(stored), admin=False)
    assert member_view.node is None


def test_status_map_form():
    """A map of section → {status, message} is read as it is."""
    stored = {"raid": {"status": "failed", "message": "no controller"}}
    view = hardware_view.view(server(stored), admin=False)
    assert results(view)["raid"] == ("failed", "no controller")


def test_no_request_no_view():
    """A server without hardware shows none."""
    assert hardware_view.view(models.Server(uuid="s", name="s"), admin=True) is None
