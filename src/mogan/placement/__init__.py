"""The Placement client, its factory and the embedded Placement app (issue #3).

Callers use :func:`get_client` (``mogan.placement.get_client(conf)``) and the
``client`` module's ``PlacementClient``; nothing above this package speaks
HTTP to Placement itself.
"""

from mogan.placement.factory import get_client

__all__ = ["get_client"]
