"""Wire the team's additions onto sushy-tools' emulator app (before ``main()``).

``install`` puts ``systems.Driver`` in place of ``fakedriver.FakeDriver``
(the app builds its driver from that name on first use), ``sessions.Gate``
in place of the auth middleware, replaces or wraps the stock views, adds the
new routes, and answers ``redfish.RedfishError`` with a Redfish error body.
Virtual media keeps sushy-tools' own views and state (it really downloads
the image); they are wrapped for scripted failures and for systems whose
BMC has no virtual media, and the installer reads the downloaded copies.
"""

from collections.abc import Callable
from typing import Any

import flask
from sushy_tools.emulator.resources.systems import fakedriver

from . import (
    compose,
    control,
    firmware,
    redfish,
    sessions,
    storage,
    system_views,
    systems,
)
from .state import STORE

View = Callable[..., flask.Response]


def _media_view(original: View, action: str | None) -> View:
    def view(identity: str, **kwargs: Any) -> flask.Response:
        system = system_views.record(identity, "virtual_media")
        if action is not None:
            fault = STORE.take_fault(action, system["uuid"])
            if fault is not None:
                raise systems.fault_error(fault, 500, action)
        return original(identity, **kwargs)

    view.__name__ = original.__name__
    return view


def _install_media(app: flask.Flask) -> None:
    views = app.view_functions
    prefix = "VirtualMedia."
    for name, action in (
        ("virtual_media_collection_resource", None),
        ("virtual_media_resource", None),
        ("virtual_media_insert", "media.insert"),
        ("virtual_media_eject", "media.eject"),
    ):
        views[prefix + name] = _media_view(views[prefix + name], action)

    def media_info(system_uuid: str, device: str) -> tuple[str, bool]:
        info = app.vmedia.get_device_image_info(system_uuid, device)
        return info.image_url, bool(info.inserted)

    def eject_all(system_uuid: str) -> None:
        for device in app.vmedia.devices:
            url, inserted = media_info(system_uuid, device)
            if url or inserted:
                app.vmedia.eject_image(system_uuid, device)

    def media_file(system_uuid: str, device: str) -> str | None:
        # NOTE: sushy-tools keeps the local copy of an inserted image under
        # the device's private ``_local_file`` (removed at eject).
        info = app.vmedia._get_device(system_uuid, device)
        return info.get("_local_file") if info.get("Inserted") else None

    STORE.media_info = media_info
    STORE.eject_all = eject_all
    STORE.media_file = media_file


def install(app: flask.Flask) -> None:
    """Install everything on ``app`` (sushy-tools' ``main.app``)."""
    # NOTE: the app instantiates ``fakedriver.FakeDriver`` by that name the
    # first time it needs its systems.
    fakedriver.FakeDriver = systems.Driver
    sessions.install(app)
    system_views.install(app)
    storage.install(app)
    firmware.install(app)
    compose.install(app)
    control.install(app)
    _install_media(app)
    app.register_error_handler(redfish.RedfishError, redfish.error_response)
