"""The team's additions to the sushy-tools Redfish emulator (runs in its venv).

sushy-tools 2.2's fake driver serves systems, power, boot device and virtual
media; it has no BIOS, firmware, volumes, sessions or CompositionService.
This package adds them to the emulator's own Flask app, in its process:

- ``__main__``: the entry point (``python -m emulator --config FILE``);
  installs everything below, then runs sushy-tools' ``main()``.
- ``state``: the process's state (systems, faults, delays, tasks, sessions,
  the composition pool) behind one lock.
- ``systems``: the fake driver subclass (power with delays, boot semantics,
  BIOS apply at reset, firmware versions, processors and memory).
- ``bios``, ``firmware``, ``storage``, ``composition``, ``sessions``: the
  Redfish resources each adds.
- ``installer``: a system booting Mogan's installer ISO installs the image
  its config drive medium names, then powers off.
- ``control``: ``/mogan-test/...``, the tests' side door (reset, faults,
  delays, inspection); not Redfish.
- ``plugin``: wires views and the gate middleware onto the app.

It imports sushy-tools and Flask only: none of Mogan, no pytest. Modules use
relative imports so the package works under any name on ``sys.path``.
"""
