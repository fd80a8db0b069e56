"""``mogan-dbsync``: migrate the database schema; reseal secrets after a key change.

Usage: ``mogan-dbsync [--config-file FILE] upgrade [--revision REV]``,
``mogan-dbsync version`` or ``mogan-dbsync reseal`` (every sealed value
sealed again with ``[DEFAULT] secret_key``, so ``previous_secret_keys`` can
be emptied; see ``mogan.db.reseal``).
"""

import sys
from typing import Any

from oslo_config import cfg

from mogan import crypto
from mogan.cmd import common
from mogan.db import migration, reseal


def _add_commands(subparsers: Any) -> None:
    upgrade = subparsers.add_parser(
        "upgrade", help="Upgrade to a revision (default: head)."
    )
    upgrade.add_argument("--revision", default="head")
    subparsers.add_parser("version", help="Print the current schema revision.")
    subparsers.add_parser(
        "reseal",
        help="Seal every sealed value again with [DEFAULT] secret_key "
        "(after a rotation; idempotent).",
    )


COMMAND = cfg.SubCommandOpt("command", title="Commands", handler=_add_commands)


def main(argv: list[str] | None = None) -> int:
    """Run the requested migration command."""
    conf = common.parse(argv, cli_opts=[COMMAND])
    db = common.database(conf)
    if conf.command.name == "upgrade":
        migration.upgrade(db.engine, conf.command.revision)
        sys.stdout.write(f"Database at revision {migration.version(db.engine)}\n")
    elif conf.command.name == "reseal":
        try:
            done = reseal.reseal(
                db, crypto.Sealer.from_conf(conf), reseal.current_only(conf)
            )
        except crypto.SecretUnreadable as err:
            db.dispose()
            return common.fail("mogan-dbsync", err.message)
        sys.stdout.write(
            f"Resealed {done.resealed} values; {done.current} were already "
            f"sealed with secret_key; {done.skipped} changed meanwhile (run again)\n"
        )
    else:
        sys.stdout.write(f"{migration.version(db.engine) or 'none (not migrated)'}\n")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
