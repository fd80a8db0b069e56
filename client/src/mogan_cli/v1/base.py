"""What every manager shares: the HTTP client and the resource shape."""

import uuid
from typing import Any

from mogan_cli import http

Resource = dict[str, Any]
Query = dict[str, str | int | None]


def is_uuid(text: str) -> bool:
    """Whether ``text`` spells a UUID (any case, with or without dashes)."""
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Manager:
    """Base of the resource managers.

    Args:
        api: the HTTP client all requests go through.
    """

    def __init__(self, api: http.HTTPClient) -> None:
        """Bind the manager to ``api``."""
        self.api = api
