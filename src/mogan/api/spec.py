"""The API's OpenAPI document: every declared route, rendered.

``python -m mogan.api.spec`` prints it and ``tools/regenerate`` writes it to
``docs/api/openapi.json``. This module imports every route module and hands
the route table to the generator (``mogan.api.openapi``), which imports none.
"""

import json
import sys
from typing import Any

from mogan.api import openapi, router
from mogan.api import routes as _routes  # noqa: F401 - declares every route


def document() -> dict[str, Any]:
    """The OpenAPI document of every route of the API."""
    return openapi.document(router.ROUTES)


def render() -> str:
    """The document as stable, pretty JSON."""
    return json.dumps(document(), indent=2, sort_keys=False) + "\n"


def main() -> None:
    """Print the document (``python -m mogan.api.spec``)."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
