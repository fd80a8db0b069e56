"""Network backends: where servers get ports and addresses.

``base`` declares the interface; ``embedded`` is the built-in flat IPAM (no
Neutron needed); a Neutron backend implements the same interface later.
"""
