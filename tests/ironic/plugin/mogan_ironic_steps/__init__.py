"""Fake RAID, BIOS and firmware for Ironic whose steps apply and record something.

Ironic's stock fakes have no RAID steps at all, BIOS and firmware steps for
cleaning only, and a firmware step that records nothing; and Ironic silently
skips deploy steps it cannot find. This plugin (loaded by Ironic through
entry points only, see ``pyproject.toml``) gives Mogan's tests a fake node
whose deploy-time and cleaning-time hardware configuration is real as far as
Ironic's API can tell:

- hardware type ``mogan-fake-hardware`` (``hardware``): Ironic's fake
  hardware whose default RAID, BIOS and firmware interfaces are these;
- ``raid`` interface ``mogan-fake``: deploy step ``apply_configuration``,
  clean steps ``create_configuration`` and ``delete_configuration``; the
  result lands in the node's ``raid_config`` (and, for a root volume, its
  ``properties``), as real drivers leave it;
- ``bios`` interface ``mogan-fake``: deploy and clean steps
  ``apply_configuration`` and ``factory_reset``; values land in Ironic's
  BIOS settings table with the registry columns kept;
- ``firmware`` interface ``mogan-fake``: deploy and clean step ``update``;
  versions land in Ironic's firmware components table.

Any step fails on purpose when the node's ``extra`` names it in
``mogan_fail_step`` (``common``).

What must not live here: anything of Mogan's (this runs inside Ironic).
"""
