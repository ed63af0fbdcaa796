"""A throwaway PostgreSQL server for the tests (unix socket in a temp dir), and databases made on it."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from urllib.parse import urlsplit, urlunsplit

ENV = "AID_TEST_DATABASE_URL"


def _bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    hits = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return hits[-1] if hits else None


def available() -> bool:
    return bool(os.environ.get(ENV)) or bool(_bin("initdb") and _bin("pg_ctl"))


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


class Server:
    """initdb + pg_ctl start in a temp dir; stop() removes it."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="aid-pg-")
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = os.path.join(self.dir, "data")
        subprocess.run(_as_postgres([_bin("initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                                     "--locale=C.UTF-8"]), check=True, capture_output=True)
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                                     f"-k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=200",
                                     "start"]), check=True, capture_output=True)
        self.data = data
        self.url = f"postgresql://postgres@/postgres?host={self.dir}"

    def stop(self) -> None:
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", self.data, "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_database(server_url: str, template: str | None = None, prefix: str = "aid_t") -> str:
    """A new database (C collation: strings sort by code point, as in DuckDB); returns its URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    tpl = f'TEMPLATE "{template}"' if template else "TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
    for attempt in range(50):
        try:
            with psycopg.connect(server_url, autocommit=True) as con:
                con.execute(f'CREATE DATABASE "{name}" {tpl}')
            break
        except psycopg.errors.ObjectInUse:  # the template still has a session closing
            time.sleep(0.1)
    return with_database(server_url, name)


def drop_database(server_url: str, url: str) -> None:
    import psycopg

    from store import engine

    engine.close_pool(url)
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")
