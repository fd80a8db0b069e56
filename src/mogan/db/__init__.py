"""Persistence: typed models, the transaction boundary, query functions.

Query functions in ``mogan.db.api`` take a session and never commit; the
caller owns the transaction (``with database.transaction() as session:``).
"""
