"""Command line: python -m loaders deck --out FILE.pptx — the presentation deck from saved views."""
from __future__ import annotations

import sys

from outputs.deck import build_deck
from outputs.views import list_views
from store import db


def _ids(text: str) -> list[int]:
    try:
        ids = [int(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise SystemExit(f"--views 应为逗号分隔的视图编号，如 1,3,4: {text!r} (comma-separated view ids)") from None
    if not ids:
        raise SystemExit("--views 为空 (no view ids given)")
    return ids


def cmd_deck(args) -> int:
    try:
        con = db.open_read(args.db)
    except (db.DatabaseMissing, db.DatabaseBusy) as exc:
        print(f"无法生成演示文稿 cannot build the deck: {exc}", file=sys.stderr)
        return 1
    try:
        views = list_views(con)
        if views.empty:
            print("没有已保存的视图，无法生成演示文稿。请先在看板中保存视图。 "
                  "(no saved views: save views in the dashboard first)", file=sys.stderr)
            return 1
        if args.views:
            wanted = _ids(args.views)
            by_id = {int(v["view_id"]): v for v in views.to_dict("records")}
            missing = [i for i in wanted if i not in by_id]
            if missing:
                print(f"视图不存在 unknown view ids: {missing}; 现有 existing: {sorted(by_id)}", file=sys.stderr)
                return 1
            chosen = [by_id[i] for i in wanted]
        else:
            chosen = views.to_dict("records")
        out = build_deck(con, chosen, args.out, title=args.title, lang=args.lang)
    finally:
        con.close()
    print(f"{len(chosen)} 个视图 views -> {out}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("deck", help="build a PowerPoint deck (one editable chart per saved view)")
    p.add_argument("--out", required=True, help="the .pptx file to write")
    p.add_argument("--db", default=None, help="database file (default: setting db_path)")
    p.add_argument("--views", default=None, help="comma-separated view ids, in slide order (default: all, deck order)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--title", default=None, help="title slide text")
    p.set_defaults(func=cmd_deck)
