"""Command line: python -m loaders deck --out FILE.pptx — the presentation deck from saved views."""
from __future__ import annotations

import sys

from common.messages import text as text_of
from metrics import queries
from outputs.deck import build_deck
from outputs.views import list_views
from store import db


def _ids(text: str, lang: str) -> list[int]:
    try:
        ids = [int(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise SystemExit(text_of("cli_views_format", lang, got=repr(text))) from None
    if not ids:
        raise SystemExit(text_of("cli_views_empty", lang))
    return ids


def cmd_deck(args) -> int:
    try:
        con = db.open_read(args.db)
    except (db.DatabaseMissing, db.DatabaseBusy) as exc:
        print(text_of("cli_deck_failed", args.lang, error=exc.message(args.lang)), file=sys.stderr)
        return 1
    try:
        views = list_views(con)
        if views.empty:
            print(text_of("cli_no_views", args.lang), file=sys.stderr)
            return 1
        if args.views:
            wanted = _ids(args.views, args.lang)
            by_id = {int(v["view_id"]): v for v in views.to_dict("records")}
            missing = [i for i in wanted if i not in by_id]
            if missing:
                print(text_of("cli_unknown_views", args.lang, missing=missing, existing=sorted(by_id)),
                      file=sys.stderr)
                return 1
            chosen = [by_id[i] for i in wanted]
        else:
            chosen = views.to_dict("records")
        if args.hide_unreviewed:  # as the pages' switch: figures nobody has reviewed yet are left out
            queries.hide_unreviewed(con)
        out = build_deck(con, chosen, args.out, title=args.title, lang=args.lang)
    finally:
        con.close()
    print(text_of("cli_deck_written", args.lang, n=len(chosen), out=out))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("deck", help="build a PowerPoint deck (one editable chart per saved view)")
    p.add_argument("--out", required=True, help="the .pptx file to write")
    p.add_argument("--db", default=None, help="database file (default: setting db_path)")
    p.add_argument("--views", default=None, help="comma-separated view ids, in slide order (default: all, deck order)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--title", default=None, help="title slide text")
    p.add_argument("--hide-unreviewed", action="store_true",
                   help="leave out figures nobody has reviewed yet (else slides that use them say so)")
    p.set_defaults(func=cmd_deck)
