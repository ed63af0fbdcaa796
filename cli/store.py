"""Store commands: migrate (apply the numbered schema migrations the database lacks, recorded in it)."""
from __future__ import annotations

import sys

from common.messages import text
from store import db, engine


def cmd_migrate(args) -> int:
    loc = db.location(args.db)
    where = engine.redact(loc) if isinstance(loc, str) else str(loc)
    try:
        applied = db.migrate(loc)
    except db.WRITE_ERRORS as exc:
        print(exc, file=sys.stderr)
        return 1
    if applied:
        numbers = ", ".join(f"{n:03d}" for n in applied)
        print(text("cli_migrated", "zh", numbers=numbers, where=where))
    else:
        print(text("cli_migrate_none", "zh", where=where))
    return 0


def register(sub) -> None:
    m = sub.add_parser("migrate", help="apply the schema migrations the database lacks (DuckDB file or PostgreSQL)")
    m.add_argument("--db", default=None, help="database file or postgresql:// URL (default: settings database_url, "
                                              "else db_path)")
    m.set_defaults(func=cmd_migrate)
