"""Business operations shared by the API, the engine and management commands.

A service function takes a ``RequestContext`` (identity plus database
handle), opens its own transaction, enforces invariants and returns plain
rows or values. Services never import Flask or know about HTTP.
"""
