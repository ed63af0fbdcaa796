"""Runs the file reader (loaders.upload.sheets) in a child process with memory and time limits.

Why a child: a hostile or merely odd file can make a reader allocate without bound or abort the process
(python-calamine aborts on a failed allocation). In the child that costs the child; the server, and every other
user's session, keeps serving. The child is a fresh interpreter (not a fork of a threaded server) that sets its
own limits first, reads the file from stdin and writes JSON to stdout.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

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
        return json.loads(proc.stdout)
    except ValueError:
        raise SandboxError("upload_child_failed", detail="no result") from None


def _site_paths() -> str:
    """The parent's import path for third-party packages (python-calamine), without the user's site hooks."""
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
        sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode("utf-8"))  # whatever the locale
        sys.stdout.buffer.flush()
    except MemoryError:
        os._exit(3)
