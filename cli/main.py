"""Command line (`python -m loaders ...`): each command module registers its subcommands here, explicitly."""
from __future__ import annotations

import argparse

from cli import cells, deck, plans, review, store, totals, upload

COMMAND_MODULES = (plans, upload, deck, totals, review, cells, store)  # each has register(subparsers)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="对口支援与合作交流数据 loaders")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMAND_MODULES:
        module.register(sub)
    args = parser.parse_args(argv)
    return args.func(args)
