"""Plain factory helpers that create resources through the API."""

from typing import Any

import httpx

from tests.conftest import ADMIN


def make_flavor(client: httpx.Client, **overrides: Any) -> dict[str, Any]:
    """Create a flavor as admin and return its body."""
    body = {
        "name": "bm.test",
        "description": "a test flavor",
        "resources": {"CUSTOM_BAREMETAL_GOLD": 1},
        **overrides,
    }
    resp = client.post("/v1/flavors", json=body, headers=ADMIN.headers)
    assert resp.status_code == 201, resp.text
    return dict(resp.json())
