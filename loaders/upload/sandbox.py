"""Runs the file reader (loaders.upload.sheets) in a child process with memory and time limits.

Why a child: a hostile or merely odd file can make a reader allocate without bound or abort the process
(python-calamine aborts on a failed allocation). In the child that costs the child; the server, and every other
user's session, keeps serving. The child is a fresh interpreter (not a fork of a threaded server) that sets its
own limits first, reads the file from stdin and writes its result to stdout: a JSON header (sheet names, each
sheet's distinct cell texts, merges, notes) followed by three int32 columns per sheet (row, column, text index).
Columns rather than one JSON list per cell: decoding 700,000 small lists cost more than reading the file.
The parent trusts nothing in it: lengths and indexes are checked before use, and nothing is unpickled.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from array import array

MEMORY_MB = 1024   # address space of the child, generous for a 20 MB file
TIMEOUT_S = 60.0   # wall clock; CPU time is limited to the same


class SandboxError(Exception):
    """The child did not produce a result; code and params name a message in common.messages."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


def read_in_child(data: bytes, suffix: str, memory_mb: float | None = None, timeout: float | None = None) -> dict:
    """{"sheets": [...], "notes": [...]} or {"error": code, "params": {...}}; raises SandboxError on a crash."""
    memory_mb = MEMORY_MB if memory_mb is None else memory_mb
    timeout = TIMEOUT_S if timeout is None else timeout
    # the child imports this file and sheets.py by path: importing the loaders package would pull in pandas
    code = ("import importlib.util as u, sys; s = u.spec_from_file_location('upload_sandbox', sys.argv[1]); "
            "m = u.module_from_spec(s); s.loader.exec_module(m); m._child()")
    cmd = [sys.executable, "-I", "-S", "-c", code, __file__, suffix, str(int(memory_mb)), str(int(timeout) + 1)]
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR", "HOME")}
    env["PYTHONPATH"] = _site_paths()
    try:
        proc = subprocess.run(cmd, input=data, capture_output=True, timeout=timeout, env=env,
                              cwd=os.path.dirname(os.path.abspath(__file__)))
    except subprocess.TimeoutExpired:
        raise SandboxError("upload_timeout", s=f"{timeout:g}") from None
    except OSError as exc:
        raise SandboxError("upload_child_failed", detail=type(exc).__name__) from None
    if proc.returncode != 0:
        rc = proc.returncode
        if rc in (-signal.SIGXCPU, -signal.SIGKILL):
            raise SandboxError("upload_timeout", s=f"{timeout:g}")
        if rc == 3 or rc == -signal.SIGABRT or b"MemoryError" in proc.stderr or b"memory allocation" in proc.stderr:
            raise SandboxError("upload_memory", mb=f"{memory_mb:g}")
        raise SandboxError("upload_child_failed", detail=f"exit {rc}")
    try:
        return decode(proc.stdout)
    except ValueError:
        raise SandboxError("upload_child_failed", detail="no result") from None


COLUMNS = ("rows", "cols", "idx")
MAX_ROW, MAX_COL = 1_048_576, 16_384


def encode(out: dict) -> bytes:
    """The child's result: b"<header length>\\n" + JSON header + the int32 columns of every sheet in order
    (rows as Excel row numbers, from 1)."""
    blobs, sheets = [], []
    for sheet in out.get("sheets", []):
        meta = {k: v for k, v in sheet.items() if k not in COLUMNS}
        cols = [array("i", sheet[k]) for k in COLUMNS]
        meta["n"] = len(cols[0])
        sheets.append(meta)
        blobs.extend(c.tobytes() for c in cols)
    head = json.dumps({**out, "sheets": sheets} if "sheets" in out else out, ensure_ascii=False).encode("utf-8")
    return b"%d\n" % len(head) + head + b"".join(blobs)


def decode(raw: bytes) -> dict:
    """encode() read back, every length and index checked; raises ValueError for anything malformed."""
    import numpy as np

    nl = raw.index(b"\n", 0, 20)
    size = int(raw[:nl])
    pos = nl + 1 + size
    out = json.loads(raw[nl + 1:pos])
    width = np.dtype(np.intc).itemsize
    if array("i").itemsize != width:  # pragma: no cover - same interpreter on both sides
        raise ValueError("int size")
    for sheet in out.get("sheets", []):
        n = int(sheet["n"])
        if not isinstance(sheet.get("strings"), list) or n < 0:
            raise ValueError("sheet")
        # rows come as Excel row numbers (from 1) and leave as indexes (from 0), like columns
        for k, lo, hi in zip(COLUMNS, (1, 0, 0), (MAX_ROW, MAX_COL - 1, len(sheet["strings"]) - 1)):
            end = pos + n * width
            if end > len(raw):
                raise ValueError("short")
            col = np.frombuffer(raw, dtype=np.intc, count=n, offset=pos)
            if n and (col.min() < lo or col.max() > hi):
                raise ValueError(k)
            sheet[k] = col - 1 if k == "rows" else col
            pos = end
        sheet["cells"] = CellView(sheet)
    if pos != len(raw):
        raise ValueError("trailing")
    return out


class CellView:
    """A sheet's cells as a read-only sequence of [row, col, text] (what the reader used to hand back)."""

    def __init__(self, sheet: dict):
        self._s = sheet

    def __len__(self) -> int:
        return len(self._s["rows"])

    def __getitem__(self, i: int) -> list:
        s = self._s
        return [int(s["rows"][i]), int(s["cols"][i]), s["strings"][int(s["idx"][i])]]


def _site_paths() -> str:
    """The parent's import path for third-party packages (python-calamine, xlsx_scan), without the user's site
    hooks."""
    return os.pathsep.join(p for p in sys.path if p and ("site-packages" in p or "dist-packages" in p))


def _child() -> None:
    import resource

    suffix, memory_mb, cpu_s = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for p in os.environ.get("PYTHONPATH", "").split(os.pathsep):
        if p and p not in sys.path:
            sys.path.append(p)
    import importlib.util

    spec = importlib.util.spec_from_file_location("upload_sheets", os.path.join(os.path.dirname(__file__), "sheets.py"))
    sheets = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sheets)

    data = sys.stdin.buffer.read()
    try:
        out = sheets.read_file(data, suffix)
    except sheets.SheetsError as exc:
        out = {"error": exc.code, "params": exc.params}
    except MemoryError:
        os._exit(3)
    except RecursionError:
        out = {"error": "upload_not_workbook", "params": {"suffix": suffix}}
    try:
        sys.stdout.buffer.write(encode(out))  # UTF-8 whatever the locale
        sys.stdout.buffer.flush()
    except MemoryError:
        os._exit(3)
