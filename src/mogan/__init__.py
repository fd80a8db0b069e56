"""Mogan: bare-metal compute as a service.

The package is layered (see docs/architecture.md): ``cmd`` composes
processes; ``api`` speaks HTTP; ``services`` holds business rules; ``engine``
and ``scheduler`` run workflows and placement; ``drivers`` talk to hardware;
``db`` persists. The foundation modules at this level (``exception``,
``context``, ``policy``, ``policies``, ``conf``) import nothing above them.
"""
