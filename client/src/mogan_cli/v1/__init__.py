"""The v1 API library: one manager per resource, and the ``Client`` holding them."""
