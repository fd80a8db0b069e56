"""Bare-metal drivers: narrow interfaces in ``base``, implementations beside it.

Drivers talk to hardware (or a simulation of it) and never to Mogan's
database or services. ``loader`` loads them by name from the
``mogan.drivers`` entry-point group; which ones are enabled is configuration.
"""
