"""``mogan availability zone list``."""

import argparse
from typing import Any

from mogan_cli.commands import common


class ListAvailabilityZone(common.Lister):
    """List availability zones (those that have nodes)."""

    def take_action(
        self,
        parsed_args: argparse.Namespace,  # noqa: ARG002 - the command takes no arguments
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """Fetch the zone names."""
        zones = common.client(self).availability_zones.list()
        return ("Zone Name",), [(z,) for z in zones]
