"""The REST API: a Flask app, thin routes, pydantic schemas, error mapping.

Routes parse, authorize, call a service and return a response model. They
hold no business logic and catch no exceptions: ``errors`` maps domain
exceptions to HTTP in one table.
"""
