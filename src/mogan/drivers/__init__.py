"""Bare-metal drivers: the SDK in ``base``, implementations beside it.

``base`` holds the interfaces and the rules a driver follows (with the
models it re-exports from ``models``, ``inventory`` and ``hardware``);
``testing`` is the conformance suite any driver runs; ``capabilities`` is
how the engine asks for an optional interface; ``loader`` loads drivers by
name from the ``mogan.drivers`` entry-point group and lists their options.
Drivers talk to hardware (or a simulation of it) and never to Mogan's
database or services.
"""
