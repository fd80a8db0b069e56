"""``mogan-dbsync``: migrate the database schema.

Usage: ``mogan-dbsync [--config-file FILE] upgrade [--revision REV]`` or
``mogan-dbsync version``.
"""

import sys
from typing import Any

from oslo_config import cfg

from mogan.cmd import common
from mogan.db import migration


def _add_commands(subparsers: Any) -> None:
    upgrade = subparsers.add_parser(
        "upgrade", help="Upgrade to a revision (default: head)."
    )
    upgrade.add_argument("--revision", default="head")
    subparsers.add_parser("version", help="Print the current schema revision.")


COMMAND = cfg.SubCommandOpt("command", title="Commands", handler=_add_commands)


def main(argv: list[str] | None = None) -> int:
    """Run the requested migration command."""
    conf = common.parse(argv, cli_opts=[COMMAND])
    db = common.database(conf)
    if conf.command.name == "upgrade":
        migration.upgrade(db.engine, conf.command.revision)
        sys.stdout.write(f"Database at revision {migration.version(db.engine)}\n")
    else:
        sys.stdout.write(f"{migration.version(db.engine) or 'none (not migrated)'}\n")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
