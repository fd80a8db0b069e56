"""Bare-metal drivers: narrow interfaces in ``base``, implementations beside it.

Drivers talk to hardware (or a simulation of it) and never to Mogan's
database or services. They are loaded by name from the ``mogan.drivers``
entry-point group.
"""
