"""Query functions, one module per resource: get, get_all, create, update, destroy.

They take a session, never commit, and raise domain exceptions.
"""
