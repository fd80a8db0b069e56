"""Image backends: where deploy images come from.

``base`` declares the interface; ``embedded`` is the built-in catalogue (no
Glance needed); a Glance backend implements the same interface later.
"""
