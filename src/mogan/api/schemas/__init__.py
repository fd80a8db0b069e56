"""Pydantic v2 models for every request and response body, per resource.

They are the single source of truth for validation and for the generated
OpenAPI document (``mogan.api.openapi``).
"""
