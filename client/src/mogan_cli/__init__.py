"""mogan_cli: the Mogan bare-metal compute client library and ``mogan`` CLI.

Layers, top to bottom (each imports only those below it):

- ``shell`` and ``commands/``: the cliff application and its commands.
- ``client`` and ``v1/``: the library: one manager per API resource.
- ``config``: endpoint and credentials from options, environment, clouds.yaml.
- ``http``: the httpx-based API client; ``exceptions``: what it raises.

Nothing here imports the server package ``mogan``.
"""

__version__ = "0.1.0"
